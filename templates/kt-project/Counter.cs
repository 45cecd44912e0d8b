namespace KtProject;

/// <summary>A stateful class: one instance per pod, created from its constructor arguments, kept until the next code version.</summary>
public sealed class Counter(int start)
{
    private int _value = start;

    public int Add(int amount)
    {
        _value += amount;
        Console.WriteLine($"counter is now {_value}");
        return _value;
    }
}
