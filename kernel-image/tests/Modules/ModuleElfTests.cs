using System;
using System.IO;
using System.Runtime.InteropServices;
using Aurora.Kernel.Modules;
using Aurora.KernelImage.Tests.Qemu;
using Xunit;
using Xunit.Sdk;

namespace Aurora.KernelImage.Tests.Modules;

/// <summary>
/// The module loader's ELF reader (kernel/Modules/ModuleElf.cs) on the host, with the edu
/// modules ./aurora build --test made (artifacts/obj/test/kmod: edu-v1 for x86-64 and
/// edu-other-machine, the same source for arm64): each real module parses
/// and relocates for its machine and is refused for the other; every truncation and random
/// corruption of either is refused with a reason or, when it still parses, relocates without
/// writing outside the image. In the kernel an exception is a panic, so none may escape.
/// Randomized: replay with AURORA_SEED.
/// </summary>
public unsafe class ModuleElfTests
{
    private static byte[] ModuleFor(ushort machine)
    {
        string path = Path.Combine(QemuBoot.Artifacts, "obj", "test", "kmod",
            machine == ModuleElf.MachineX86_64 ? "edu-v1.unsigned" : "edu-other-machine.unsigned");
        if (!File.Exists(path)) throw new XunitException($"{path} is missing: run ./aurora build --test first");
        return File.ReadAllBytes(path);
    }

    [Theory]
    [InlineData(ModuleElf.MachineX86_64)]
    [InlineData(ModuleElf.MachineAarch64)]
    public void TheEduModuleParsesAndRelocates(ushort machine)
    {
        byte[] file = ModuleFor(machine);
        ModuleElf elf = default;
        Assert.Null(elf.Parse(file, machine));
        Assert.True(elf.ImageBytes > 0 && elf.ImageBytes % 4096 == 0);
        Assert.True(elf.RelocationsBytes > 0 && elf.RelocationsBytes % 24 == 0);
        Assert.True(elf.ModulesBytes > 0);
        Assert.Equal("edu"u8.ToArray(), elf.InfoValue("name"u8).ToArray());
        Assert.Equal(KernelInterface.Version.ToString(), System.Text.Encoding.ASCII.GetString(elf.InfoValue("interface"u8)));
        Assert.Equal(0, elf.InfoValue("missing"u8).Length);
        string? problem = RelocateChecked(ref elf, 0xFFFF_C300_0000_0000);
        Assert.Null(problem);
    }

    /// <summary>A module for the other machine is refused by its headers, before any
    /// relocation is read (the kernel answers ENOEXEC).</summary>
    [Theory]
    [InlineData(ModuleElf.MachineX86_64, ModuleElf.MachineAarch64, "not an arm64 object")]
    [InlineData(ModuleElf.MachineAarch64, ModuleElf.MachineX86_64, "not an x86-64 object")]
    public void AModuleForAnotherMachineIsRefused(ushort builtFor, ushort loadedOn, string reason)
    {
        ModuleElf elf = default;
        Assert.Equal(reason, elf.Parse(ModuleFor(builtFor), loadedOn));
        ModuleElf other = default;
        Assert.Equal("no module loader for this machine", other.Parse(ModuleFor(builtFor), 3));   // EM_386
    }

    [Theory]
    [InlineData(ModuleElf.MachineX86_64)]
    [InlineData(ModuleElf.MachineAarch64)]
    public void TruncationsAndCorruptionsNeverEscape(ushort machine)
    {
        int seed = Environment.GetEnvironmentVariable("AURORA_SEED") is string s ? int.Parse(s) : Random.Shared.Next();
        try
        {
            Run(seed, machine);
        }
        catch (Exception e)
        {
            throw new XunitException($"seed {seed} (replay with AURORA_SEED={seed}): {e}");
        }
    }

    private static void Run(int seed, ushort machine)
    {
        byte[] original = ModuleFor(machine);
        for (int length = 0; length < original.Length; length += 97)
        {
            ModuleElf elf = default;
            string? problem = elf.Parse(original.AsSpan(0, length), machine);
            if (problem == null) RelocateChecked(ref elf, 0xFFFF_C300_0000_0000);
        }

        var random = new Random(seed);
        int parsed = 0;
        for (int round = 0; round < 3000; round++)
        {
            byte[] file = (byte[])original.Clone();
            int flips = 1 + random.Next(8);
            for (int i = 0; i < flips; i++)
            {
                // Mostly the headers and the dynamic/relocation tables, where the checks are.
                int at = random.Next(4) == 0 ? random.Next(file.Length) : random.Next(Math.Min(file.Length, 0x1200));
                file[at] = random.Next(2) == 0 ? (byte)random.Next(256) : (byte)(file[at] ^ (1 << random.Next(8)));
            }

            ModuleElf elf = default;
            if (elf.Parse(file, machine) != null) continue;
            parsed++;
            RelocateChecked(ref elf, 0xFFFF_C300_0000_0000);
        }

        Assert.True(parsed > 0, "no corrupted module parsed at all: the corruption is too coarse to test relocation");
    }

    /// <summary>Lays out and relocates into a buffer with canaries on both sides; throws if a
    /// canary changed or a relocated value points outside the image.</summary>
    private static string? RelocateChecked(ref ModuleElf elf, ulong runAt)
    {
        const int Guard = 4096;
        int size = checked((int)elf.ImageBytes);
        byte* raw = (byte*)NativeMemory.Alloc((nuint)(size + (2 * Guard)));
        try
        {
            new Span<byte>(raw, size + (2 * Guard)).Fill(0xA5);
            byte* image = raw + Guard;
            new Span<byte>(image, size).Clear();
            elf.Lay(image);
            string? problem = elf.Relocate(image, runAt);
            for (int i = 0; i < Guard; i++)
            {
                if (raw[i] != 0xA5 || image[size + i] != 0xA5) throw new XunitException("a write outside the image");
            }

            return problem;
        }
        finally
        {
            NativeMemory.Free(raw);
        }
    }
}
