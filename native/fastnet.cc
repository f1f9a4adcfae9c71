// Node-API glue: three functions, numbers in and numbers out. Error objects
// are built in JavaScript so they look exactly like Node's own.
#include <napi.h>
#include "socket.h"

namespace {

int64_t SocketArg(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) return -1;
  return info[0].As<Napi::Number>().Int64Value();
}

// createSocket(family, bindAny) -> socket (>= 0) or -(OS error number)
Napi::Value CreateSocket(const Napi::CallbackInfo& info) {
  int family = info.Length() > 0 && info[0].IsNumber()
                   ? info[0].As<Napi::Number>().Int32Value() : 0;
  bool bind_any = info.Length() > 1 && info[1].ToBoolean().Value();
  int err = 0;
  int64_t sock = fastnet::CreateTcpSocket(family, bind_any, &err);
  return Napi::Number::New(info.Env(), static_cast<double>(sock < 0 ? -err : sock));
}

// enableLoopbackFastPath(socket) -> 0 or OS error number
Napi::Value EnableLoopbackFastPath(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), fastnet::EnableLoopbackFastPath(SocketArg(info)));
}

// closeSocket(socket) -> 0 or OS error number
Napi::Value CloseSocket(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), fastnet::CloseTcpSocket(SocketArg(info)));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("createSocket", Napi::Function::New(env, CreateSocket));
  exports.Set("enableLoopbackFastPath", Napi::Function::New(env, EnableLoopbackFastPath));
  exports.Set("closeSocket", Napi::Function::New(env, CloseSocket));
  return exports;
}

}  // namespace

NODE_API_MODULE(fastnet, Init)
