// The per-OS socket primitives behind the binding. Each OS implements these
// in native/<os>/socket.cc; native/fastnet.cc only adapts them to Node-API.
// Error results are the OS's own error numbers (WSA* on Windows, errno on
// POSIX); JavaScript turns them into error objects.
#pragma once
#include <cstdint>

namespace fastnet {

// Creates a non-inheritable TCP socket of the given family (4 or 6). IPv6
// sockets are V6ONLY: the fast path on dual-stack sockets has been seen to
// crash the Windows stack. With bind_any, the socket is bound to the
// wildcard address, port 0, here, before Node owns it: libuv would otherwise
// bind an IPv6 socket dual-stack at connect time. Returns the socket, or -1
// with *err set (and nothing left open).
int64_t CreateTcpSocket(int family, bool bind_any, int* err);

// Applies SIO_LOOPBACK_FAST_PATH. Returns 0, or the OS error number.
int EnableLoopbackFastPath(int64_t sock);

// Closes a socket that was never handed to Node. Returns 0 or the OS error.
int CloseTcpSocket(int64_t sock);

}  // namespace fastnet
