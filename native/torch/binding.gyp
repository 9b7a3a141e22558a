{
  "targets": [
    {
      "target_name": "tileflow_torch",
      "sources": ["src/addon.cc", "src/graph.cc", "src/losses.cc", "src/model.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node find-libtorch.cjs include)"
      ],
      "libraries": ["<!@(node find-libtorch.cjs libraries)"],
      "defines": ["NAPI_CPP_EXCEPTIONS", "NAPI_VERSION=8"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O3", "-Wno-deprecated-declarations", "-Wno-unused-parameter"]
    }
  ]
}
