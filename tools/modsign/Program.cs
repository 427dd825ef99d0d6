using System;

namespace Aurora.Modsign.Cli;

internal static class Program
{
    private static int Main(string[] args) => Commands.Run(args, Console.Out, Console.Error);
}
