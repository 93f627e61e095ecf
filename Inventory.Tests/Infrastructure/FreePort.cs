using System.Net;
using System.Net.Sockets;

namespace Inventory.Tests.Infrastructure;

/// <summary>Loopback ports for the servers the tests start (PostgreSQL, registry, sshd, deployed apps).</summary>
public static class FreePort
{
    public static int Tcp()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
