using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Nexus.Api.Infrastructure.Identity.Migrations
{
    /// <summary>
    /// <c>identity.rate_limit_windows</c>: the attempts on each sign-in door per client address in its current fixed window,
    /// counted by every node (see <see cref="NexusRateLimiter"/>). The model is unchanged: the table is used with plain SQL.
    /// </summary>
    [DbContext(typeof(IdentityStore))]
    [Migration("20261205150500_SharedRateLimits")]
    public sealed class SharedRateLimits : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Unlogged: a count is worth a few minutes and is written on every attempt; skipping the WAL makes each
            // write cheaper, and the only loss (the table emptied after a PostgreSQL crash, absent on a promoted
            // standby) is budgets starting over once.
            migrationBuilder.Sql("""
                create unlogged table identity.rate_limit_windows (
                    policy text not null,
                    client text not null,
                    window_start timestamptz not null,
                    expires_at timestamptz not null,
                    count integer not null,
                    primary key (policy, client));
                create index rate_limit_windows_expires_at on identity.rate_limit_windows (expires_at);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("drop table identity.rate_limit_windows;");
        }
    }
}
