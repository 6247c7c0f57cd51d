using System.Text.RegularExpressions;

namespace Spawn.Tests.Layers;

/// <summary>
/// The library's layers, read from its sources (Commands and Trees share the namespace Spawn with
/// the handles, so the folders are the layers):
/// <code>
///   Interop   src/Spawn/Interop     libc, syscalls, the native helper; names nothing above it
///   Platform  src/Spawn/Internal    the OS-specific pieces
///   Handles   src/Spawn/*.cs        ProcessHandle and the public vocabulary types
///   Commands  src/Spawn/Commands, src/Spawn/Trees
/// </code>
/// No file names a type of a higher layer, and Commands and Trees never reach Interop: they go
/// through the platform layer. The public vocabulary (states, options, exceptions, signal and errno
/// numbers) is shared by every layer above Interop.
/// </summary>
public sealed partial class LayeringTests
{
    private enum Layer { Interop, Platform, Handles, Commands }

    private static readonly HashSet<string> s_vocabulary =
    [
        "ProcessState", "StartOptions", "SpawnException", "ProcessStartException", "Errno", "Signals", "ExitStatusSource", "SpawnPath",
        "ProcessInfo", "ProcessCredentials", "ResourceLimits", "ExitContinuation",
    ];

    [Fact]
    public void No_file_names_a_type_of_a_higher_layer_and_commands_never_reach_interop()
    {
        string library = LibrarySources();
        var files = Directory.EnumerateFiles(library, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(library, f))
            .Select(f => (Path: Path.GetRelativePath(library, f), Layer: LayerOf(library, f), Code: StripCommentsAndStrings(File.ReadAllText(f))))
            .ToList();
        Assert.Contains(files, f => f.Layer == Layer.Interop);
        Assert.Contains(files, f => f.Layer == Layer.Commands);

        // Every type name with the layers that declare it (nested and private types included).
        var declaredIn = new Dictionary<string, HashSet<Layer>>();
        foreach (var file in files)
        {
            foreach (Match m in Declaration().Matches(file.Code))
            {
                string name = m.Groups["name"].Value;
                if (!declaredIn.TryGetValue(name, out HashSet<Layer>? layers)) declaredIn[name] = layers = [];
                layers.Add(file.Layer);
            }
        }

        var violations = new List<string>();
        foreach (var file in files)
        {
            if (file.Layer == Layer.Commands && InteropNamespace().IsMatch(file.Code))
            {
                violations.Add($"{file.Path}: names the Interop namespace");
            }
            foreach (string name in Identifier().Matches(file.Code).Select(m => m.Value).Distinct())
            {
                if (!declaredIn.TryGetValue(name, out HashSet<Layer>? layers)) continue;
                if (layers.Any(l => Allowed(file.Layer, l, name))) continue;
                violations.Add($"{file.Path} ({file.Layer}) names {name} ({string.Join(", ", layers)})");
            }
        }
        Assert.True(violations.Count == 0, "Layering violations:\n" + string.Join("\n", violations));
    }

    /// <summary>
    /// The CLI uses the library's public API only: no P/Invoke of its own (DllImport, or the
    /// LibraryImport that compiles to one), read from the built assembly's metadata so that generated
    /// code counts too. What it needs of the OS the library offers (CurrentProcess, ProcessHandle).
    /// </summary>
    [Fact]
    public void The_CLI_calls_no_native_code_of_its_own()
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "Spawn.Cli.dll");
        Assert.True(File.Exists(cli), $"{cli} is not next to the tests");
        Assert.Empty(NativeImports(cli));
    }

    [Fact]
    public void The_native_import_check_finds_the_libraries_imports()
    {
        // The library binds libc itself: the same reading of its metadata finds those imports.
        Assert.Contains(NativeImports(typeof(ProcessHandle).Assembly.Location), i => i.StartsWith("Sys.", StringComparison.Ordinal) && i.Contains("KillRaw", StringComparison.Ordinal));
    }

    /// <summary>"Type.Method" for every method of <paramref name="assemblyPath"/> that is a P/Invoke.</summary>
    private static List<string> NativeImports(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
        System.Reflection.Metadata.MetadataReader metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
        var imports = new List<string>();
        foreach (System.Reflection.Metadata.MethodDefinitionHandle handle in metadata.MethodDefinitions)
        {
            System.Reflection.Metadata.MethodDefinition method = metadata.GetMethodDefinition(handle);
            if ((method.Attributes & System.Reflection.MethodAttributes.PinvokeImpl) == 0) continue;
            System.Reflection.Metadata.TypeDefinition type = metadata.GetTypeDefinition(method.GetDeclaringType());
            imports.Add($"{metadata.GetString(type.Name)}.{metadata.GetString(method.Name)}");
        }
        return imports;
    }

    [Fact]
    public void The_check_finds_an_upward_reference()
    {
        string code = StripCommentsAndStrings("// ProcessHandle in a comment\nvar s = \"ProcessHandle\"; ProcessHandle h;");

        Assert.Single(Identifier().Matches(code).Select(m => m.Value), "ProcessHandle");
        Assert.False(Allowed(Layer.Platform, Layer.Handles, "ProcessHandle"));
        Assert.False(Allowed(Layer.Commands, Layer.Interop, "Sys"));
        Assert.Matches(InteropNamespace(), "using Spawn.Interop;");
        Assert.Matches(InteropNamespace(), "Interop.Sys.Open(path)");
        Assert.DoesNotMatch(InteropNamespace(), "using System.Runtime.InteropServices;");
        Assert.False(Allowed(Layer.Interop, Layer.Handles, "Signals"));
        Assert.True(Allowed(Layer.Platform, Layer.Handles, "ProcessState"));
        Assert.True(Allowed(Layer.Commands, Layer.Platform, "PipePair"));
    }

    private static bool Allowed(Layer from, Layer to, string name) => (from, to) switch
    {
        (Layer.Commands, Layer.Interop) => false,
        _ when to <= from => true,
        (not Layer.Interop, Layer.Handles) => s_vocabulary.Contains(name),
        _ => false,
    };

    private static Layer LayerOf(string library, string file)
    {
        string first = Path.GetRelativePath(library, file).Split(Path.DirectorySeparatorChar)[0];
        return first switch
        {
            "Interop" => Layer.Interop,
            "Internal" => Layer.Platform,
            "Commands" or "Trees" => Layer.Commands,
            _ => Layer.Handles,
        };
    }

    private static bool IsBuildOutput(string library, string file) =>
        Path.GetRelativePath(library, file).Split(Path.DirectorySeparatorChar)[0] is "bin" or "obj";

    private static string LibrarySources()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "src", "Spawn");
            if (File.Exists(Path.Combine(candidate, "Spawn.csproj"))) return candidate;
        }
        Assert.Skip("The library's sources are not next to this test build (src/Spawn not found above it).");
        return null!;
    }

    private static string StripCommentsAndStrings(string code)
    {
        code = BlockComment().Replace(code, " ");
        code = LineComment().Replace(code, " ");
        code = StringLiteral().Replace(code, "\"\"");
        return CharLiteral().Replace(code, "' '");
    }

    [GeneratedRegex(@"\b(?:class|struct|interface|enum|record)\s+(?<name>[A-Za-z_]\w*)")]
    private static partial Regex Declaration();

    [GeneratedRegex(@"\bSpawn\.Interop\b|(?<![\w.])Interop\.")]
    private static partial Regex InteropNamespace();

    [GeneratedRegex(@"\b[A-Z]\w*\b")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex BlockComment();

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();

    [GeneratedRegex(@"""(?:[^""\\\n]|\\.)*""")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"'(?:[^'\\\n]|\\.)'")]
    private static partial Regex CharLiteral();
}
