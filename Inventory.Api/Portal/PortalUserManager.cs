using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Inventory.Api.Portal;

/// <summary>
/// Identity's user manager, which also drops this instance's kept <see cref="SessionStamps"/> entry of every user it
/// saves: a change made here ends the user's other sessions on this instance before the page that made it answers,
/// not when the trigger's NOTIFY arrives (which is what other instances wait for).
/// </summary>
internal sealed class PortalUserManager(
    IUserStore<PortalUser> store,
    IOptions<IdentityOptions> optionsAccessor,
    IPasswordHasher<PortalUser> passwordHasher,
    IEnumerable<IUserValidator<PortalUser>> userValidators,
    IEnumerable<IPasswordValidator<PortalUser>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<PortalUser>> logger,
    SessionStamps stamps)
    : UserManager<PortalUser>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators,
        keyNormalizer, errors, services, logger)
{
    protected override async Task<IdentityResult> UpdateUserAsync(PortalUser user)
    {
        try
        {
            return await base.UpdateUserAsync(user);
        }
        finally
        {
            stamps.Forget(user.Id);
        }
    }
}
