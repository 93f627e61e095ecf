using Inventory.Api.Auth;
using Inventory.Api.Data;
using Inventory.Api.Portal.Components;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;

namespace Inventory.Api.Portal;

/// <summary>
/// The operator portal: Blazor static server-side rendering (no circuits, no WebSockets) in the API's process, with
/// ASP.NET Core Identity accounts on a cookie scheme of its own. <c>/api</c> keeps the API-key scheme as its default
/// and only scheme; the portal's policies name the cookie, so a cookie never authenticates an API call.
/// </summary>
internal static class PortalExtensions
{
    public const string ApplicationName = "Inventory";

    public static IHostApplicationBuilder AddPortal(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PortalOptions>().Bind(builder.Configuration.GetSection(PortalOptions.Section));
        services.AddRazorComponents();
        services.AddCascadingAuthenticationState();

        // AddAuthentication() adds to the API key's registration; the default scheme stays ApiKey.
        services.AddAuthentication().AddIdentityCookies();
        services.AddIdentityCore<PortalUser>(ConfigureIdentity)
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<InventoryDbContext>()
            .AddUserManager<PortalUserManager>()
            .AddSignInManager()
            .AddDefaultTokenProviders()
            .AddClaimsPrincipalFactory<PortalClaimsFactory>();
        services.ConfigureApplicationCookie(cookie =>
        {
            cookie.Cookie.Name = "inventory.portal";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.LoginPath = "/account/signin";
            cookie.LogoutPath = "/account/signout";
            cookie.AccessDeniedPath = "/account/denied";
            cookie.SlidingExpiration = true;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
            // Every request checks the user's security stamp: disabling a user or changing a password ends their
            // sessions at once, not after Identity's default 30 minutes.
            cookie.Events.OnValidatePrincipal = PortalSessionCheck.ValidatePrincipalAsync;
        });
        services.AddSingleton<SessionStamps>();
        services.AddHostedService<SessionStampListener>();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "inventory.antiforgery";
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });

        // See "Decision: the Data Protection key ring in PostgreSQL" in Inventory.Api/README.md.
        services.AddDataProtection()
            .SetApplicationName(ApplicationName)
            .PersistKeysToDbContext<InventoryDbContext>();
        WithoutKeyRingWarmUp(services);
        // Unencrypted at rest on purpose (same record): the warning at each new key would say only that.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error);

        services.AddAuthorizationBuilder()
            .AddPolicy(PortalPolicies.Read, p => Portal(p, ApiRoles.Reader, ApiRoles.Operator, ApiRoles.Admin))
            .AddPolicy(PortalPolicies.MoveStock, p => Portal(p, ApiRoles.Operator, ApiRoles.Admin))
            .AddPolicy(PortalPolicies.ManageCatalogue, p => Portal(p, ApiRoles.Admin))
            .AddPolicy(PortalPolicies.ManageUsers, p => Portal(p, ApiRoles.Admin));
        services.AddScoped<IDatabaseSeeder, PortalAccountsSeeder>();
        services.AddScoped<PortalAccounts>();
        services.AddScoped<UserApiKeys>();
        return builder;
    }

    public static WebApplication MapPortal(this WebApplication app)
    {
        app.UseMiddleware<PortalResponses>();
        app.UseMiddleware<PasswordChangeGate>();
        app.UseAntiforgery();
        app.UseStaticFiles();
        app.MapRazorComponents<App>().ExcludeFromDescription();
        app.MapPost("/account/signout", SignOutAsync).ExcludeFromDescription();
        return app;
    }

    private static void ConfigureIdentity(IdentityOptions options)
    {
        // Length over composition rules (NIST SP 800-63B): 12 characters, any kind.
        options.Password.RequiredLength = 12;
        options.Password.RequireDigit = false;
        options.Password.RequireLowercase = false;
        options.Password.RequireUppercase = false;
        options.Password.RequireNonAlphanumeric = false;
        options.Password.RequiredUniqueChars = 4;
        options.Lockout.AllowedForNewUsers = true;
        options.Lockout.MaxFailedAccessAttempts = 5;
        options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
        options.User.RequireUniqueEmail = false;
        options.SignIn.RequireConfirmedAccount = false;
    }

    private static void Portal(Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder policy,
        params string[] roles) =>
        policy.AddAuthenticationSchemes(IdentityConstants.ApplicationScheme)
            .RequireAuthenticatedUser()
            .RequireRole(roles);

    /// <summary>
    /// Data Protection's hosted service loads the key ring at start, before the migrator has made its table on a new
    /// database; the ring loads on first use instead (the first sign-in form), which also keeps start-up as fast.
    /// </summary>
    private static void WithoutKeyRingWarmUp(IServiceCollection services)
    {
        var warmUps = services.Where(s => s.ServiceType == typeof(IHostedService)
            && s.ImplementationType?.Namespace?.StartsWith("Microsoft.AspNetCore.DataProtection",
                StringComparison.Ordinal) == true).ToList();
        foreach (var warmUp in warmUps)
        {
            services.Remove(warmUp);
        }
    }

    /// <summary>
    /// A POST form (the layout's button): binding the form is what makes the antiforgery middleware check its token.
    /// </summary>
    private static async Task<IResult> SignOutAsync(IFormCollection form, SignInManager<PortalUser> signIn)
    {
        _ = form;
        await signIn.SignOutAsync();
        return TypedResults.LocalRedirect("/account/signin");
    }
}
