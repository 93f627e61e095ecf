using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Inventory.Api.Data.Migrations
{
    /// <summary>
    /// Tells every listening instance when a user's sessions must end: a trigger on the users' table sends the user's id
    /// on the <c>portal_sessions</c> channel (NOTIFY, at commit) when their security stamp or disabled flag changes or
    /// the row goes. <c>Portal/SessionStampListener</c> listens; see "Decision: session stamps kept in memory, ended by
    /// NOTIFY" in Inventory.Api/README.md. Additive: older builds neither listen nor mind.
    /// </summary>
    public partial class PortalSessionNotifications : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION portal_session_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'DELETE'
                        OR OLD."SecurityStamp" IS DISTINCT FROM NEW."SecurityStamp"
                        OR OLD."IsDisabled" IS DISTINCT FROM NEW."IsDisabled" THEN
                        PERFORM pg_notify('portal_sessions', OLD."Id");
                    END IF;
                    RETURN NULL;
                END
                $$;
                CREATE TRIGGER portal_session_changed AFTER UPDATE OR DELETE ON "AspNetUsers"
                    FOR EACH ROW EXECUTE FUNCTION portal_session_changed();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER portal_session_changed ON "AspNetUsers";
                DROP FUNCTION portal_session_changed();
                """);
        }
    }
}
