using Qdhcp.Fuzz;
using SharpFuzz;

// qdhcp fuzz runner: Qdhcp.Fuzz.Runner TARGET [afl|libfuzzer|replay PATH...]
//   afl        (default) persistent AFL++ mode through SharpFuzz's out-of-process runner (afl-fuzz ... -- dotnet Runner.dll TARGET)
//   libfuzzer  for libfuzzer-dotnet (libfuzzer-dotnet --target_path=... --target_arg=TARGET)
//   replay     runs the target over files or directories once, in process; exit code 1 on the first exception
if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out FuzzTarget? target))
{
    Console.Error.WriteLine($"usage: Qdhcp.Fuzz.Runner TARGET [afl|libfuzzer|replay PATH...]; targets: {string.Join(", ", FuzzTargets.All.Keys)}");
    return 2;
}

string mode = args.Length > 1 ? args[1] : Environment.GetEnvironmentVariable("QDHCP_FUZZ_MODE") ?? "afl";
switch (mode)
{
    case "afl":
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            target(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        });
        return 0;

    case "libfuzzer":
        Fuzzer.LibFuzzer.Run(span => target(span));
        return 0;

    case "replay":
        IEnumerable<string> files = args.Skip(2).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]);
        int count = 0;
        foreach (string file in files.Order(StringComparer.Ordinal))
        {
            try
            {
                target(File.ReadAllBytes(file));
                count++;
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"{args[0]}: {file}: {e}");
                return 1;
            }
        }

        Console.WriteLine($"{args[0]}: {count} inputs, no finding");
        return 0;

    default:
        Console.Error.WriteLine($"unknown mode '{mode}'");
        return 2;
}
