using System.Text.RegularExpressions;
using Inventory.Api.Auth;
using Inventory.Api.Portal;
using Inventory.Tests.Infrastructure.PortalTests;
using Microsoft.Playwright;
using Npgsql;
using static Microsoft.Playwright.Assertions;

namespace Inventory.Tests.Portal;

/// <summary>
/// Sessions end for every instance on the database, whoever changed the user: each instance keeps users' stamps in
/// memory only while its LISTEN connection hears the users' table's trigger.
/// </summary>
[Collection(PortalTestGroup.Name)]
public sealed class SessionEndTests(PortalFixture portal)
{
    // A NOTIFY reaches a listener within milliseconds; the wait only covers a loaded machine.
    private static readonly TimeSpan HeardWithin = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Disabling_a_user_on_one_instance_ends_their_session_on_another()
    {
        // Two instances on one database, as during a deploy's switch; the cookie is good on both (one key ring).
        await using var other = await portal.StartAppAsync(connectionString: portal.Api.ConnectionString);
        await WaitForListenersAsync(2);
        var clerk = await portal.NewSignedInPageAsync(ApiRoles.Operator);
        var onOther = await clerk.Page.Context.NewPageAsync();
        await ShowsAccountAsync(onOther, other.BaseUrl);
        await ShowsAccountAsync(onOther, other.BaseUrl);

        var admin = await portal.NewSignedInPageAsync(ApiRoles.Admin);
        await admin.Page.GotoAsync("/users");
        await admin.Page.GetByRole(AriaRole.Link, new() { Name = clerk.UserName }).ClickAsync();
        await admin.Page.GetByRole(AriaRole.Button, new() { Name = "Disable user" }).ClickAsync();
        await Expect(admin.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("is disabled");

        await SignedOutWithinAsync(onOther, other.BaseUrl);
    }

    [Fact]
    public async Task A_change_written_straight_to_the_database_ends_the_session()
    {
        await WaitForListenersAsync(1);
        var clerk = await portal.NewSignedInPageAsync(ApiRoles.Reader);
        await ShowsAccountAsync(clerk.Page, portal.BaseUrl);

        await DisableAsync(clerk.UserName);

        await SignedOutWithinAsync(clerk.Page, portal.BaseUrl);
    }

    [Fact]
    public async Task A_change_made_while_the_listener_was_cut_off_still_ends_the_session()
    {
        await WaitForListenersAsync(1);
        var clerk = await portal.NewSignedInPageAsync(ApiRoles.Reader);
        await ShowsAccountAsync(clerk.Page, portal.BaseUrl);

        await using (var database = await OpenDatabaseAsync())
        {
            await using var cut = new NpgsqlCommand(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity " + ListenerWhere, database);
            await cut.ExecuteNonQueryAsync(Ct);
        }
        await DisableAsync(clerk.UserName); // its NOTIFY has no listener on this instance

        await SignedOutWithinAsync(clerk.Page, portal.BaseUrl);
        await WaitForListenersAsync(1); // and it listens again
    }

    private const string ListenerWhere =
        $"WHERE datname = current_database() AND query = 'LISTEN {SessionStampListener.Channel}'";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task ShowsAccountAsync(IPage page, string baseUrl)
    {
        await page.GotoAsync($"{baseUrl}/account");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My account" })).ToBeVisibleAsync();
    }

    private static async Task SignedOutWithinAsync(IPage page, string baseUrl)
    {
        var deadline = DateTime.UtcNow + HeardWithin;
        do
        {
            await page.GotoAsync($"{baseUrl}/account");
            if (page.Url.Contains("/account/signin", StringComparison.Ordinal))
            {
                return;
            }
            await Task.Delay(100, Ct);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"The session still opened {page.Url} {HeardWithin.TotalSeconds} s after its user was disabled.");
    }

    private async Task DisableAsync(string userName)
    {
        await using var database = await OpenDatabaseAsync();
        await using var disable = new NpgsqlCommand(
            """UPDATE "AspNetUsers" SET "IsDisabled" = true WHERE "UserName" = $1""", database);
        disable.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userName });
        Assert.Equal(1, await disable.ExecuteNonQueryAsync(Ct));
    }

    // Until an instance listens it reads every stamp from the database, which would make these tests pass untested.
    private async Task WaitForListenersAsync(int count)
    {
        await using var database = await OpenDatabaseAsync();
        await using var listeners = new NpgsqlCommand($"SELECT count(*) FROM pg_stat_activity {ListenerWhere}", database);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        long seen;
        while ((seen = (long)(await listeners.ExecuteScalarAsync(Ct))!) < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Ct);
        }
        Assert.True(seen >= count, $"{seen} instance(s) listen on {SessionStampListener.Channel}, not {count}.");
    }

    // The app's own database, behind its back: as another instance, an older build or an operator would write it.
    private async Task<NpgsqlConnection> OpenDatabaseAsync()
    {
        var database = new NpgsqlConnection(portal.Api.ConnectionString);
        await database.OpenAsync(Ct);
        return database;
    }
}
