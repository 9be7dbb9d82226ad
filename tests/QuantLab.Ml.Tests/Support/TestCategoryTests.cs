using System.Reflection;

namespace QuantLab.Ml.Tests.Support;

/// <summary>
/// Every test is in exactly one category, so <c>--filter Category=Unit</c> (quick, no real time, no processes or
/// servers) and <c>Category=Integration</c> (sshd, S3, processes, XGBoost) between them run every test once.
/// </summary>
[Trait("Category", "Unit")]
public sealed class TestCategoryTests
{
    private static readonly string[] Categories = ["Unit", "Integration"];

    [Fact]
    public void Every_test_is_in_exactly_one_of_Unit_and_Integration()
    {
        var tests = typeof(TestCategoryTests).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false })
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
                .Where(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any())
                .Select(m => (Class: t, Method: m)))
            .ToList();

        var wrong = tests
            .Select(test => (Name: $"{test.Class.FullName}.{test.Method.Name}", Categories: CategoriesOf(test.Class).Concat(CategoriesOf(test.Method)).Distinct().ToList()))
            .Where(test => test.Categories.Count(c => Categories.Contains(c, StringComparer.Ordinal)) != 1)
            .Select(test => $"{test.Name} [{string.Join(", ", test.Categories)}]")
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(tests.Count > 100, $"found only {tests.Count} tests: the reflection above no longer sees them");
        Assert.True(wrong.Count == 0, "tests without exactly one [Trait(\"Category\", \"Unit\"|\"Integration\")] on them or their class: " + string.Join("; ", wrong));
    }

    /// <summary>The Category traits written on a test class or method itself (a contract base class's tests run under each subclass's).</summary>
    private static IEnumerable<string> CategoriesOf(MemberInfo member) =>
        member.GetCustomAttributesData()
            .Where(a => a.AttributeType == typeof(TraitAttribute) && a.ConstructorArguments.Count == 2 && a.ConstructorArguments[0].Value is "Category")
            .Select(a => a.ConstructorArguments[1].Value as string ?? string.Empty);
}
