using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Spawn.Tests.Api;

/// <summary>
/// Every C# snippet of README.md compiles against the library as built: each is compiled as the
/// body of an async method whose parameters are the names the snippets take as given (a token, a
/// repository path, some bytes, a PID). A snippet that no longer fits the API fails here.
/// </summary>
public sealed partial class ReadmeSnippetTests(ITestOutputHelper output)
{
    private const string Context = "System.Threading.CancellationToken ct, System.Threading.CancellationToken cancellationToken, string repo, byte[] data, int pid";

    private static readonly string[] DefaultUsings =
    [
        "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Runtime.InteropServices", "System.Text",
        "System.Threading", "System.Threading.Tasks", "Spawn",
    ];

    [GeneratedRegex(@"^```csharp\n(.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"^using [A-Za-z.]+;$")]
    private static partial Regex UsingDirective();

    public static TheoryData<int> Snippets() => [.. Enumerable.Range(0, ReadSnippets().Count)];

    [Fact]
    public void The_readme_has_snippets() => Assert.True(ReadSnippets().Count >= 10, $"{ReadSnippets().Count} snippets");

    [Theory]
    [MemberData(nameof(Snippets))]
    public void A_readme_snippet_compiles(int index)
    {
        string snippet = ReadSnippets()[index];
        var usings = new List<string>(DefaultUsings.Select(u => $"using {u};"));
        var body = new List<string>();
        foreach (string line in snippet.Split('\n'))
        {
            if (UsingDirective().IsMatch(line.Trim())) usings.Add(line.Trim());
            else body.Add(line);
        }
        string source = $"{string.Join('\n', usings.Distinct())}\n#pragma warning disable\ninternal static class Snippet\n{{\n    internal static async Task RunAsync({Context})\n    {{\n{string.Join('\n', body)}\n        await Task.CompletedTask;\n    }}\n}}\n";
        var compilation = CSharpCompilation.Create($"ReadmeSnippet{index}",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Preview))],
            References(),
            new CSharpCompilationOptions(Microsoft.CodeAnalysis.OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0) output.WriteLine(source);
        Assert.True(errors.Count == 0, $"README snippet {index}:\n{snippet}\n{string.Join('\n', errors)}");
    }

    private static IReadOnlyList<string> ReadSnippets()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        return [.. CSharpBlock().Matches(readme).Select(m => m.Groups[1].Value)];
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "README.md")) && Directory.Exists(Path.Combine(directory.FullName, "src", "Spawn"))) return directory.FullName;
        }
        throw new InvalidOperationException($"No repository root above {AppContext.BaseDirectory}");
    }

    private static ImmutableArray<MetadataReference> s_references;

    private static ImmutableArray<MetadataReference> References()
    {
        if (s_references.IsDefault)
        {
            var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
                .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
                .Append(typeof(Command).Assembly.Location);
            s_references = [.. paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
        }
        return s_references;
    }
}
