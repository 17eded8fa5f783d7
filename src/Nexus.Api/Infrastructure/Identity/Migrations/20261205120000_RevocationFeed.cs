using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Nexus.Api.Infrastructure.Identity.Migrations
{
    /// <summary>
    /// <c>identity.revocations</c> and the trigger that fills it and announces each id on <c>nexus_revocations</c>
    /// (see <see cref="RevokedTokens"/>). The model is unchanged: the table is read with plain SQL.
    /// </summary>
    [DbContext(typeof(IdentityStore))]
    [Migration("20261205120000_RevocationFeed")]
    public sealed class RevocationFeed : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                create table identity.revocations (
                    id text primary key,
                    recorded_at timestamptz not null default now());

                -- An access token or an authorization that stops being valid, or is deleted, cannot be valid again.
                create function identity.record_revocation() returns trigger language plpgsql as $$
                declare
                    revoked text;
                    kind text;
                begin
                    if tg_op = 'DELETE' then
                        revoked := old."Id";
                        kind := old."Type";
                    elsif new."Status" is distinct from 'valid' and old."Status" is not distinct from 'valid' then
                        revoked := new."Id";
                        kind := new."Type";
                    else
                        return null;
                    end if;
                    -- Of the tokens, only access tokens reach the API; the server checks the others in the store.
                    if tg_table_name = 'OpenIddictTokens' and kind is distinct from 'urn:ietf:params:oauth:token-type:access_token' then
                        return null;
                    end if;
                    insert into identity.revocations (id) values (revoked) on conflict (id) do nothing;
                    perform pg_notify('nexus_revocations', revoked);
                    return null;
                end $$;

                create trigger record_revocation after update of "Status" or delete on identity."OpenIddictTokens"
                    for each row execute function identity.record_revocation();
                create trigger record_revocation after update of "Status" or delete on identity."OpenIddictAuthorizations"
                    for each row execute function identity.record_revocation();

                -- What was revoked before this migration and may still be carried by an unexpired access token.
                insert into identity.revocations (id)
                    select "Id" from identity."OpenIddictAuthorizations" where "Status" is distinct from 'valid'
                    union
                    select "Id" from identity."OpenIddictTokens"
                    where "Type" = 'urn:ietf:params:oauth:token-type:access_token' and "Status" is distinct from 'valid'
                      and ("ExpirationDate" is null or "ExpirationDate" > now())
                    on conflict (id) do nothing;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                drop trigger record_revocation on identity."OpenIddictTokens";
                drop trigger record_revocation on identity."OpenIddictAuthorizations";
                drop function identity.record_revocation();
                drop table identity.revocations;
                """);
        }
    }
}
