namespace Nexus.Api.Infrastructure;

/// <summary>Relative paths of local state (<c>.data/...</c>) resolve against the repository root when there is one.</summary>
public static class RepositoryPaths
{
    public static string Resolve(string path)
    {
        if (Path.IsPathRooted(path))
        {
            return path;
        }

        for (var directory = new DirectoryInfo(Directory.GetCurrentDirectory()); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Nexus.sln")))
            {
                return Path.GetFullPath(Path.Combine(directory.FullName, path));
            }
        }

        return Path.GetFullPath(path);
    }
}
