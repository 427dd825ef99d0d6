using System;
using System.Reflection;
using Xunit;

namespace Aurora.Modsign.Tests;

/// <summary>Properties the kernel relies on that behaviour tests would not notice.</summary>
public class ContractTests
{
    private static KeyRing s_ring;

    [Fact]
    public void NoTypeHoldsReferenceFields()
    {
        // Static reference fields need a GC heap; instance ones would make structs unusable in the kernel.
        foreach (Type type in typeof(Sha256).Assembly.GetTypes())
        {
            if (type.Name.StartsWith('<'))
            {
                continue; // compiler-generated data holders for constant spans
            }

            foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                Type t = field.FieldType;
                // Function pointers (Sha256's block function) are plain addresses, not GC references.
                Assert.False(!t.IsValueType && !t.IsPointer && !t.IsFunctionPointer, $"{type.Name}.{field.Name} is a reference ({t})");
            }
        }
    }

    [Fact]
    public void KeyRingWorksAsAStaticFieldOfStructType()
    {
        Assert.Equal(KeyResult.Ok, s_ring.Add(TestKeys.First.ExportSubjectPublicKeyInfo()));
        byte[] payload = "static ring"u8.ToArray();
        byte[] signed = ModuleSignatureTests.SignBySpec(payload, TestKeys.First);
        Assert.Equal(VerifyResult.Valid, ModuleSignature.Verify(signed, s_ring, out ReadOnlySpan<byte> verified));
        Assert.True(verified.SequenceEqual(payload));
        s_ring = default;
    }

    [Fact]
    public void PublicTypesAreValueTypesOrStaticClasses()
    {
        foreach (Type type in typeof(Sha256).Assembly.GetExportedTypes())
        {
            bool staticClass = type.IsClass && type.IsAbstract && type.IsSealed;
            Assert.True(type.IsValueType || staticClass, $"{type.Name} would need the GC heap");
        }
    }
}
