using Inventory.Tests.Infrastructure;

namespace Inventory.Tests.Deploy;

/// <summary>
/// A stack with the first version live, made once for a test class whose cases each try to break it and then check
/// it is untouched (the failed versions, the faults).
/// </summary>
public sealed class LiveTarget : IAsyncDisposable
{
    private readonly SemaphoreSlim _once = new(1, 1);
    private DeployTarget? _stack;

    public async Task<(DeployTarget Stack, DeployTags Tags)> GetAsync(DeployEnvironment environment, ProductImage productImage)
    {
        var tags = await environment.StartAsync(productImage);
        await _once.WaitAsync();
        try
        {
            if (_stack is null)
            {
                var stack = await environment.CreateTargetAsync();
                Users.AssertSucceeded(await stack.DeployAsync(tags.First));
                _stack = stack;
            }
            return (_stack, tags);
        }
        finally
        {
            _once.Release();
        }
    }

    /// <summary>What must hold after any failed attempt: the first version serves, the state files say so, nothing else runs.</summary>
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
