{
  "targets": [
    {
      "target_name": "fastnet",
      "sources": ["native/fastnet.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "conditions": [
        ["OS=='win'", {
          "sources": ["native/win/socket.cc"],
          "libraries": ["-lws2_32"]
        }, {
          "sources": ["native/posix/socket.cc"]
        }]
      ]
    }
  ]
}
