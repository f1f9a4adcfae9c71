{
  "targets": [
    {
      "target_name": "fastnet",
      "sources": ["fastnet.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "conditions": [
        ["OS=='win'", {
          "sources": ["win/socket.cc"],
          "libraries": ["-lws2_32"]
        }, {
          "sources": ["posix/socket.cc"]
        }]
      ]
    }
  ]
}
