using System;
using Aurora.Runtime.Text;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>The corlib (Aurora.Runtime) doing what C# code expects, compiled freestanding.</summary>
internal static unsafe class RuntimeTests
{
    // Six implementations called through the interface from one call site: the compiler
    // cannot devirtualise this, so each call goes through the dispatch resolver.
    private interface IShape { int Sides(); int Scaled(int factor); }
    private sealed class Triangle : IShape { public int Sides() => 3; public int Scaled(int f) => 3 * f; }
    private sealed class Square : IShape { public int Sides() => 4; public int Scaled(int f) => 4 * f; }
    private sealed class Pentagon : IShape { public int Sides() => 5; public int Scaled(int f) => 5 * f; }
    private sealed class Hexagon : IShape { public int Sides() => 6; public int Scaled(int f) => 6 * f; }
    private class Heptagon : IShape { public virtual int Sides() => 7; public int Scaled(int f) => 7 * f; }
    private sealed class Octagon : Heptagon { public override int Sides() => 8; }

    private static int SumSides(IShape[] shapes, int factor)
    {
        int total = 0;
        for (int i = 0; i < shapes.Length; i++) total += shapes[i].Sides() * 100 + shapes[i].Scaled(factor);
        return total;
    }

    internal static void InterfaceDispatchSixImplementations()
    {
        IShape[] shapes = { new Triangle(), new Square(), new Pentagon(), new Hexagon(), new Heptagon(), new Octagon() };
        // Twice: the second round is served from the dispatch cache.
        for (int round = 0; round < 2; round++)
        {
            Check(SumSides(shapes, 2) == (3 + 4 + 5 + 6 + 7 + 8) * 100 + (3 + 4 + 5 + 6 + 7 + 7) * 2, "wrong sum through the interface");
            Check(shapes[5].Sides() == 8, "override not honoured through the interface");
        }
    }

    private sealed class Counter { public int Value; }
    private static readonly Counter s_counter = new Counter { Value = 41 };
    private static string s_greeting = "hello";

    internal static void ReferenceTypeStatics()
    {
        Check(s_counter != null, "static holder not allocated");
        s_counter!.Value++;
        Check(s_counter.Value == 42, "static object lost its state");
        Check(s_greeting.Length == 5, "string static wrong");
        s_greeting = "changed";
        Check(s_greeting[0] == 'c', "static reassignment lost");
    }

    private static class WithConstructor
    {
        internal static int Runs;
        internal static readonly int Value;
        static WithConstructor()
        {
            Runs++;
            Value = ComputeAtRunTime();
        }
    }

    // A value only known at run time (the tick count's top bit is 0 for 292 million years),
    // so the compiler cannot fold the constructor into a constant.
    private static int ComputeAtRunTime() => (int)(Hal.Timer.Ticks() >> 63) + 7;

    internal static void StaticConstructorRunsOnce()
    {
        Check(WithConstructor.Value == 7, "static constructor did not compute its value");
        Check(WithConstructor.Value == 7 && WithConstructor.Runs == 1, "static constructor ran more than once");
    }

    private static int Twice(int x) => 2 * x;

    private sealed class Adder
    {
        public int Amount;
        public int Add(int x) => x + Amount;
    }

    internal static void Delegates()
    {
        Func<int, int> open = Twice;
        Check(open(21) == 42, "static delegate");
        var adder = new Adder { Amount = 5 };
        Func<int, int> closed = adder.Add;
        Check(closed(10) == 15, "instance delegate");
        int captured = 3;
        Func<int, int> lambda = x => x * captured;
        Check(lambda(4) == 12, "closure delegate");
    }

    private enum Colour { Red = 1, Green = 2 }

    internal static void BoxingAndUnboxing()
    {
        object boxed = 1234;
        Check(boxed is int, "boxed int has the wrong type");
        Check((int)boxed == 1234, "unboxed value differs");
        object colour = Colour.Green;
        Check((Colour)colour == Colour.Green, "enum round trip");
        int? some = 7;
        object boxedSome = some;
        Check(boxedSome is int && (int)boxedSome == 7, "nullable with value boxes to its value");
        int? none = null;
        object? boxedNone = none;
        Check(boxedNone == null, "empty nullable boxes to null");
        long big = long.MaxValue;
        object boxedLong = big;
        Check((long)boxedLong == long.MaxValue, "64-bit box");
    }

    private class Animal { }
    private sealed class Dog : Animal { }
    private interface ITagged { }
    private sealed class TaggedDog : Animal, ITagged { }

    internal static void Casting()
    {
        object dog = new Dog();
        Check(dog is Animal, "derived is base");
        Check(dog is Dog, "exact type");
        Check(dog is not ITagged, "interface not implemented");
        object tagged = new TaggedDog();
        Check(tagged is ITagged, "interface implemented");
        Check(tagged as Dog == null, "as to a sibling type gives null");
        object[] animals = new Dog[2];
        Check(animals is Animal[], "array covariance");
        Check(animals is Array, "arrays are System.Array");
        Check(animals is object, "arrays are objects");
    }

    internal static void SpansAndArrays()
    {
        int[] numbers = new int[16];
        for (int i = 0; i < numbers.Length; i++) numbers[i] = i * i;
        Span<int> middle = numbers.AsSpan().Slice(4, 8);
        Check(middle.Length == 8 && middle[0] == 16 && middle[7] == 121, "slice");
        int sum = 0;
        foreach (int n in middle) sum += n;
        Check(sum == 16 + 25 + 36 + 49 + 64 + 81 + 100 + 121, "foreach over span");
        Span<byte> onStack = stackalloc byte[32];
        onStack.Fill(0xAB);
        Check(onStack[31] == 0xAB, "stackalloc span");
        ReadOnlySpan<byte> constant = "Aurora"u8;
        Check(constant.Length == 6 && constant[5] == (byte)'a', "UTF-8 literal span");
        Check(constant.SequenceEqual("Aurora"u8), "sequence equal");
        string[] words = { "a", "bc" };
        Check(words[1].Length == 2, "array of references");
    }

    internal static void StringLiterals()
    {
        string text = "Aurora kernel";
        Check(text.Length == 13, "length");
        Check(text[0] == 'A' && text[12] == 'l', "characters");
        Check((object)text == (object)"Aurora kernel", "literals are interned per image");
    }

    internal static void IntegerFormatting()
    {
        byte* buffer = stackalloc byte[24];
        var span = new Span<byte>(buffer, 24);
        int n = IntegerFormatter.FormatDecimal(long.MinValue, span);
        Check(span.Slice(0, n).SequenceEqual("-9223372036854775808"u8), "long.MinValue");
        n = IntegerFormatter.FormatHex(0xDEADBEEF, span, 12);
        Check(span.Slice(0, n).SequenceEqual("0000deadbeef"u8), "hex with padding");
        n = IntegerFormatter.FormatDecimal(0UL, span);
        Check(n == 1 && buffer[0] == (byte)'0', "zero");
    }
}
