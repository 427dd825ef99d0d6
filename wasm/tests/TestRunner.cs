using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using Xunit;
using Xunit.Sdk;

namespace Aurora.Wasm.Tests;

/// <summary>
/// The part of xunit's model these suites use, executed by reflection: [Fact], [Theory] with
/// data attributes (InlineData, MemberData: xunit's own GetData), Skip, a constructor taking an
/// ITestOutputHelper, IDisposable. One instance per test case, as xunit does. xunit's own
/// runner needs threads and a test host process, neither of which browser-wasm has.
/// </summary>
internal sealed class TestRunner
{
    private const int MaxFailuresShown = 40;
    private const int MaxMessageChars = 1500;

    private readonly string? _filter;
    private readonly bool _list;
    private int _passed, _failed, _skipped, _leftOut;
    private readonly List<(string Name, double Ms)> _timings = new();

    public TestRunner(string? filter, bool list)
    {
        _filter = filter;
        _list = list;
    }

    public async Task RunSuiteAsync(string assemblyName)
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(assemblyName);
        }
        catch (Exception e)
        {
            Fail(assemblyName, $"the suite did not load: {e.GetType().Name}: {e.Message}");
            return;
        }

        int passed = _passed, failed = _failed, skipped = _skipped, leftOut = _leftOut;
        var clock = Stopwatch.StartNew();
        foreach (Type type in assembly.GetTypes().Where(t => t.IsClass && t.IsPublic && !t.IsAbstract).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            foreach (MethodInfo method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
                         .Where(m => m.GetCustomAttribute<FactAttribute>() != null).OrderBy(m => m.Name, StringComparer.Ordinal))
            {
                await RunMethodAsync(type, method);
            }
        }
        Console.WriteLine($"{assemblyName}: {_passed - passed} passed, {_failed - failed} failed, {_skipped - skipped} skipped, {_leftOut - leftOut} left out ({clock.Elapsed.TotalSeconds:F1} s)");
    }

    private async Task RunMethodAsync(Type type, MethodInfo method)
    {
        string name = $"{type.FullName}.{method.Name}";
        if (_filter != null && !name.Contains(_filter, StringComparison.Ordinal))
        {
            return;
        }
        FactAttribute fact = method.GetCustomAttribute<FactAttribute>()!;
        string? reason = LeftOut.Reason(type, method);
        if (fact.Skip != null || reason != null)
        {
            if (reason != null) _leftOut++; else _skipped++;
            if (_list) Console.WriteLine($"  skip {name}: {reason ?? fact.Skip}");
            return;
        }

        List<object?[]> cases;
        try
        {
            cases = CasesOf(method);
        }
        catch (Exception e)
        {
            Fail(name, $"its data could not be built: {Describe(e)}");
            return;
        }
        foreach (object?[] arguments in cases)
        {
            string caseName = arguments.Length == 0 ? name : $"{name}({string.Join(", ", arguments.Select(Show))})";
            if (_list)
            {
                Console.WriteLine($"  {caseName}");
                continue;
            }
            var clock = Stopwatch.StartNew();
            string? error = await RunCaseAsync(type, method, arguments);
            _timings.Add((caseName, clock.Elapsed.TotalMilliseconds));
            if (error == null) _passed++; else Fail(caseName, error);
        }
    }

    private static List<object?[]> CasesOf(MethodInfo method)
    {
        var data = method.GetCustomAttributes<DataAttribute>().ToList();
        if (data.Count == 0)
        {
            return [Array.Empty<object?>()];
        }
        var cases = new List<object?[]>();
        foreach (DataAttribute attribute in data)
        {
            if (attribute.Skip != null)
            {
                continue;
            }
            foreach (object?[] row in attribute.GetData(method))
            {
                cases.Add(Convert(method, row));
            }
        }
        return cases;
    }

    /// <summary>xunit's argument conversions that these suites rely on: numbers to the parameter's numeric type.</summary>
    private static object?[] Convert(MethodInfo method, object?[] row)
    {
        ParameterInfo[] parameters = method.GetParameters();
        var converted = new object?[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            object? value = i < row.Length ? row[i] : parameters[i].DefaultValue;
            Type target = Nullable.GetUnderlyingType(parameters[i].ParameterType) ?? parameters[i].ParameterType;
            if (value != null && value.GetType() != target && value is IConvertible && (target.IsPrimitive || target == typeof(decimal)))
            {
                value = System.Convert.ChangeType(value, target, System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (value != null && target.IsEnum && value.GetType() != target && value.GetType().IsPrimitive)
            {
                value = Enum.ToObject(target, value);
            }
            converted[i] = value;
        }
        return converted;
    }

    private static async Task<string?> RunCaseAsync(Type type, MethodInfo method, object?[] arguments)
    {
        object? instance = null;
        var output = new BufferedOutput();
        try
        {
            if (!method.IsStatic)
            {
                instance = Construct(type, output);
            }
            object? result = method.Invoke(instance, arguments);
            if (result is Task task)
            {
                await task;
            }
            return null;
        }
        catch (Exception e)
        {
            string text = Describe(e is TargetInvocationException { InnerException: { } inner } ? inner : e);
            return output.Text.Length == 0 ? text : text + "\n    output: " + output.Text;
        }
        finally
        {
            (instance as IDisposable)?.Dispose();
        }
    }

    private static object Construct(Type type, BufferedOutput output)
    {
        foreach (ConstructorInfo constructor in type.GetConstructors())
        {
            ParameterInfo[] parameters = constructor.GetParameters();
            if (parameters.All(p => p.ParameterType == typeof(Xunit.Abstractions.ITestOutputHelper)))
            {
                return constructor.Invoke(parameters.Select(_ => (object)output).ToArray());
            }
        }
        throw new InvalidOperationException($"{type.Name} has no constructor this runner can call (it takes nothing or an ITestOutputHelper)");
    }

    private static string Describe(Exception e)
    {
        string text = $"{e.GetType().Name}: {e.Message}";
        string? frame = e.StackTrace?.Split('\n').FirstOrDefault(l => l.Contains(" in ", StringComparison.Ordinal) || l.Contains("Aurora.", StringComparison.Ordinal));
        if (frame != null) text += "\n    " + frame.Trim();
        return text.Length > MaxMessageChars ? text[..MaxMessageChars] + " ..." : text;
    }

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => s.Length > 24 ? $"\"{s[..24]}...\"" : $"\"{s}\"",
        Array a => $"{a.GetType().GetElementType()!.Name}[{a.Length}]",
        _ => System.Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "?",
    };

    private void Fail(string name, string message)
    {
        _failed++;
        if (_failed <= MaxFailuresShown)
        {
            Console.WriteLine($"FAIL {name}\n    {message}");
        }
        else
        {
            Console.WriteLine($"FAIL {name} (message not shown: more than {MaxFailuresShown} failures)");
        }
    }

    public int Finish()
    {
        if (!_list)
        {
            Console.WriteLine("slowest: " + string.Join("; ", _timings.OrderByDescending(t => t.Ms).Take(5).Select(t => $"{t.Name} {t.Ms / 1000:F1} s")));
        }
        Console.WriteLine($"{_leftOut} left out in WebAssembly (wasm/tests/LeftOut.cs says why)");
        Console.WriteLine($"{_passed} passed, {_failed} failed, {_skipped} skipped");
        return _failed == 0 ? 0 : 1;
    }

    /// <summary>An ITestOutputHelper that keeps what a test wrote, shown only when it fails.</summary>
    private sealed class BufferedOutput : Xunit.Abstractions.ITestOutputHelper
    {
        private readonly System.Text.StringBuilder _text = new();
        public string Text => _text.Length > 2000 ? _text.ToString(_text.Length - 2000, 2000) : _text.ToString();
        public void WriteLine(string message) => _text.AppendLine(message);
        public void WriteLine(string format, params object[] args) => _text.AppendLine(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
    }
}
