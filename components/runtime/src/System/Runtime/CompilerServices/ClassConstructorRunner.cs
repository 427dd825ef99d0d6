namespace System.Runtime.CompilerServices;

/// <summary>Runs a type's static constructor on first access (the compiler calls these helpers
/// by name before touching statics of a type with a non-preinitialisable cctor). Aurora runs it
/// single-threaded at this stage, so the context is cleared before the call: a recursive access
/// from inside the cctor sees the partially initialised statics, as C# specifies.</summary>
internal static unsafe class ClassConstructorRunner
{
    private static object CheckStaticClassConstructionReturnGCStaticBase(StaticClassConstructionContext* context, object gcStaticBase)
    {
        EnsureClassConstructorRun(context);
        return gcStaticBase;
    }

    private static nint CheckStaticClassConstructionReturnNonGCStaticBase(StaticClassConstructionContext* context, nint nonGcStaticBase)
    {
        EnsureClassConstructorRun(context);
        return nonGcStaticBase;
    }

    public static void EnsureClassConstructorRun(StaticClassConstructionContext* context)
    {
        nint cctor = context->cctorMethodAddress;
        if (cctor == 0) return;
        context->cctorMethodAddress = 0;
        ((delegate*<void>)cctor)();
    }
}
