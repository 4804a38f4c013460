{
  "targets": [
    {
      "target_name": "rsa_aes_key_wrap",
      "sources": ["src/rsa_aes_key_wrap.c"],
      "include_dirs": ["include"],
      "libraries": ["-ldl"],
      "cflags": ["-Wall", "-Wextra", "-Werror"]
    }
  ]
}
