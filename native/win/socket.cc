// Winsock implementation. The socket is created overlapped (libuv associates
// it with its IOCP) and non-inheritable (child processes must never hold it).
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
#include "../socket.h"

#ifndef SIO_LOOPBACK_FAST_PATH
#define SIO_LOOPBACK_FAST_PATH _WSAIOW(IOC_VENDOR, 16)  // 0x98000010
#endif
#ifndef WSA_FLAG_NO_HANDLE_INHERIT
#define WSA_FLAG_NO_HANDLE_INHERIT 0x80
#endif

namespace fastnet {

namespace {
bool EnsureWinsock() {
  // Node has already started Winsock; this only takes our own reference.
  static const bool ok = [] {
    WSADATA data;
    return WSAStartup(MAKEWORD(2, 2), &data) == 0;
  }();
  return ok;
}
}  // namespace

namespace {
int BindAny(SOCKET s, int family) {
  if (family == 6) {
    sockaddr_in6 a{};  // zero: the address is ::, the port 0
    a.sin6_family = AF_INET6;
    return bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  }
  sockaddr_in a{};  // zero: the address is 0.0.0.0, the port 0
  a.sin_family = AF_INET;
  return bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a));
}
}  // namespace

int64_t CreateTcpSocket(int family, bool bind_any, int* err) {
  if (family != 4 && family != 6) { *err = WSAEAFNOSUPPORT; return -1; }
  if (!EnsureWinsock()) { *err = WSANOTINITIALISED; return -1; }
  int af = family == 6 ? AF_INET6 : AF_INET;
  SOCKET s = WSASocketW(af, SOCK_STREAM, IPPROTO_TCP, nullptr, 0,
                        WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) { *err = WSAGetLastError(); return -1; }
  if (af == AF_INET6) {
    DWORD on = 1;
    if (setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY,
                   reinterpret_cast<const char*>(&on), sizeof(on)) != 0) {
      *err = WSAGetLastError();
      closesocket(s);
      return -1;
    }
  }
  if (bind_any && BindAny(s, family) == SOCKET_ERROR) {
    *err = WSAGetLastError();
    closesocket(s);
    return -1;
  }
  return static_cast<int64_t>(s);
}

int EnableLoopbackFastPath(int64_t sock) {
  BOOL on = TRUE;
  DWORD bytes = 0;
  int rc = WSAIoctl(static_cast<SOCKET>(sock), SIO_LOOPBACK_FAST_PATH, &on,
                    sizeof(on), nullptr, 0, &bytes, nullptr, nullptr);
  return rc == SOCKET_ERROR ? WSAGetLastError() : 0;
}

int CloseTcpSocket(int64_t sock) {
  return closesocket(static_cast<SOCKET>(sock)) == SOCKET_ERROR ? WSAGetLastError() : 0;
}

}  // namespace fastnet
