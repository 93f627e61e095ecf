using System.Net;
using System.Net.Sockets;

namespace Inventory.Tests.Infrastructure;

/// <summary>Loopback ports for the servers the tests start (PostgreSQL, registry, sshd, deployed apps).</summary>
/// <remarks>
/// A port is bound some time after it is chosen (a container, sshd, nginx). Ports the kernel hands out (port 0, the
/// local end of every outgoing connection, Docker's published ports) come from the ephemeral range, so one chosen
/// there could be taken in between by the thousands of connections a run opens. These come from below that range,
/// each handed out once per run, and checked bindable when chosen.
/// </remarks>
public static class FreePort
{
    private const int First = 20000;
    private const int Last = 32767; // below Linux's default ephemeral range, 32768-60999

    private static readonly HashSet<int> HandedOut = [];

    public static int Tcp()
    {
        lock (HandedOut)
        {
            for (var attempt = 0; attempt < 200; attempt++)
            {
                var port = Random.Shared.Next(First, Last + 1);
                if (!HandedOut.Contains(port) && IsBindable(port))
                {
                    HandedOut.Add(port);
                    return port;
                }
            }
        }
        throw new InvalidOperationException($"No free loopback port between {First} and {Last} after 200 tries.");
    }

    private static bool IsBindable(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
