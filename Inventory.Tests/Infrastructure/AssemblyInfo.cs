using System.Runtime.Versioning;

// The tests drive Linux hosts for real (PostgreSQL binaries run as another user, bash, sshd, Docker on Linux).
[assembly: UnsupportedOSPlatform("windows")]
