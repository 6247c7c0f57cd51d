namespace Spawn;

/// <summary>
/// Marks every exception Spawn throws of its own. Most derive from <see cref="SpawnException"/>;
/// the cancellation ones (<see cref="CommandCanceledException"/> and
/// <see cref="CommandTimeoutException"/>) derive from <see cref="OperationCanceledException"/>
/// instead, so that <c>catch (OperationCanceledException)</c> keeps working for them as for any
/// cancelled .NET call; a class has one base, so this interface is what they all share:
/// <c>catch (Exception e) when (e is ISpawnException)</c> catches everything Spawn raised itself.
/// </summary>
#pragma warning disable CA1040, CA1711 // A marker: the one type every Spawn exception has, whatever its base; named for what it marks.
public interface ISpawnException
#pragma warning restore CA1040, CA1711
{
}
