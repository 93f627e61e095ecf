using Inventory.Tests.Infrastructure.SystemTests;

namespace Inventory.Tests.Deploy;

/// <summary>
/// A stack with the first version live, made once for a test class whose cases each try to break it and then check
/// it is untouched (the failed versions, the faults).
/// </summary>
public sealed class LiveTarget : IAsyncDisposable
{
    private readonly SemaphoreSlim _once = new(1, 1);
    private DeployTarget? _stack;
    private DeployTags? _tags;

    public async Task<(DeployTarget Stack, DeployTags Tags)> GetAsync(
        DeployEnvironment environment, ProductImage productImage)
    {
        await _once.WaitAsync();
        try
        {
            if (_stack is null)
            {
                (_stack, _tags) = await environment.NewTargetAsync(productImage, deployed: 1);
            }
            return (_stack, _tags!);
        }
        finally
        {
            _once.Release();
        }
    }

    /// <summary>
    /// What must hold after any failed attempt: the first version serves, the state files say so, nothing else runs.
    /// </summary>
    public static async Task AssertUntouchedAsync(DeployTarget stack, DeployTags tags)
    {
        await Users.AssertLiveAsync(stack, tags.First);
        await Users.AssertStateAsync(stack, tags.First, null);
        var app = Assert.Single(await stack.AppContainersAsync());
        Assert.Equal((tags.First, "running"), (app.Tag, app.State));
    }

    public async ValueTask DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
        _once.Dispose();
    }
}
