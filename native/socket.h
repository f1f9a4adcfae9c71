// The per-OS socket primitives behind the binding. Each OS implements these
// in native/<os>/socket.cc; native/fastnet.cc only adapts them to Node-API.
// Error results are the OS's own error numbers (WSA* on Windows, errno on
// POSIX); JavaScript turns them into error objects.
#pragma once
#include <cstdint>

namespace fastnet {

// Creates an unbound, non-inheritable TCP socket of the given family (4 or 6).
// IPv6 sockets are V6ONLY: the fast path on dual-stack sockets has been seen
// to crash the Windows stack. Returns the socket, or -1 with *err set.
int64_t CreateTcpSocket(int family, int* err);

// Applies SIO_LOOPBACK_FAST_PATH. Returns 0, or the OS error number.
int EnableLoopbackFastPath(int64_t sock);

// Closes a socket that was never handed to Node. Returns 0 or the OS error.
int CloseTcpSocket(int64_t sock);

}  // namespace fastnet
