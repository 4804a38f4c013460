{
  "targets": [
    {
      "target_name": "rsa_aes_key_wrap",
      "sources": ["src/rsa_aes_key_wrap.c"],
      "include_dirs": ["<!(node -p \"require('path').join(require('path').dirname(require.resolve('pkcs11js/package.json')), 'includes', 'pkcs11')\")"],
      "libraries": ["-ldl"],
      "cflags": ["-Wall", "-Wextra", "-Werror"]
    }
  ]
}
