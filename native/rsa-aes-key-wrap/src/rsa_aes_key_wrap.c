/*
 * Keyward's minimal N-API helper for CKM_RSA_AES_KEY_WRAP (PKCS#11 2.40 section 2.1.21): pkcs11js cannot
 * pass CK_RSA_AES_KEY_WRAP_PARAMS, so this calls C_WrapKey itself, through the function list of a module
 * that pkcs11js has already loaded and initialised in this process (dlopen with RTLD_NOLOAD: it never
 * loads a module of its own), on a session and key handles pkcs11js opened and found. It holds no state,
 * and it sees only the wrapped bytes the token returns, never a key in clear.
 *
 * Uses the PKCS#11 headers pkcs11js ships (derived from the RSA Security Inc. PKCS #11 Cryptographic Token
 * Interface (Cryptoki)), so that both pass the same structs.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <node_api.h>

#include "pkcs11.h"

#define CHECK(call)                                                                                         \
  do {                                                                                                      \
    if ((call) != napi_ok) {                                                                                \
      napi_throw_error(env, NULL, "rsa-aes-key-wrap: " #call " failed");                                    \
      return NULL;                                                                                          \
    }                                                                                                       \
  } while (0)

static napi_value number(napi_env env, double value) {
  napi_value result;
  napi_create_double(env, value, &result);
  return result;
}

static void set(napi_env env, napi_value object, const char *name, double value) {
  napi_set_named_property(env, object, name, number(env, value));
}

/* The struct layout this build passes to modules, read by the unit test against PKCS#11's definition. */
static napi_value layout(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  CHECK(napi_create_object(env, &result));
  set(env, result, "ulongSize", sizeof(CK_ULONG));
  set(env, result, "pointerSize", sizeof(void *));
  set(env, result, "paramsSize", sizeof(CK_RSA_AES_KEY_WRAP_PARAMS));
  set(env, result, "aesKeyBitsOffset", offsetof(CK_RSA_AES_KEY_WRAP_PARAMS, ulAESKeyBits));
  set(env, result, "oaepParamsOffset", offsetof(CK_RSA_AES_KEY_WRAP_PARAMS, pOAEPParams));
  set(env, result, "oaepSize", sizeof(CK_RSA_PKCS_OAEP_PARAMS));
  set(env, result, "hashAlgOffset", offsetof(CK_RSA_PKCS_OAEP_PARAMS, hashAlg));
  set(env, result, "mgfOffset", offsetof(CK_RSA_PKCS_OAEP_PARAMS, mgf));
  set(env, result, "sourceOffset", offsetof(CK_RSA_PKCS_OAEP_PARAMS, source));
  set(env, result, "sourceDataOffset", offsetof(CK_RSA_PKCS_OAEP_PARAMS, pSourceData));
  set(env, result, "sourceDataLenOffset", offsetof(CK_RSA_PKCS_OAEP_PARAMS, ulSourceDataLen));
  set(env, result, "mechanism", CKM_RSA_AES_KEY_WRAP);
  return result;
}

static int read_ulong(napi_env env, napi_value value, CK_ULONG *out) {
  double number;
  if (napi_get_value_double(env, value, &number) != napi_ok || number < 0 || number > 4294967295.0 ||
      number != (double)(CK_ULONG)number)
    return 0;
  *out = (CK_ULONG)number;
  return 1;
}

/* A handle as pkcs11js gives it: a Buffer holding one CK_ULONG. */
static int read_handle(napi_env env, napi_value value, CK_ULONG *out) {
  bool is_buffer = false;
  void *data = NULL;
  size_t length = 0;
  if (napi_is_buffer(env, value, &is_buffer) != napi_ok || !is_buffer) return 0;
  if (napi_get_buffer_info(env, value, &data, &length) != napi_ok || length != sizeof(CK_ULONG)) return 0;
  memcpy(out, data, sizeof(CK_ULONG));
  return 1;
}

/* The parameters as built for C_WrapKey: OAEP with the same hash for MGF1, an empty label. */
static void build(CK_RSA_AES_KEY_WRAP_PARAMS *params, CK_RSA_PKCS_OAEP_PARAMS *oaep, CK_ULONG bits,
                  CK_ULONG hash, CK_ULONG mgf) {
  memset(oaep, 0, sizeof *oaep);
  oaep->hashAlg = hash;
  oaep->mgf = mgf;
  oaep->source = CKZ_DATA_SPECIFIED;
  oaep->pSourceData = NULL;
  oaep->ulSourceDataLen = 0;
  memset(params, 0, sizeof *params);
  params->ulAESKeyBits = bits;
  params->pOAEPParams = oaep;
}

/* encodeParams(aesKeyBits, hashAlg, mgf): the two structs' bytes (pointers zeroed) and whether one points to the other. */
static napi_value encode_params(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CK_ULONG bits, hash, mgf;
  if (argc != 3 || !read_ulong(env, argv[0], &bits) || !read_ulong(env, argv[1], &hash) ||
      !read_ulong(env, argv[2], &mgf)) {
    napi_throw_type_error(env, NULL, "encodeParams(aesKeyBits, hashAlg, mgf) takes three unsigned numbers");
    return NULL;
  }
  CK_RSA_AES_KEY_WRAP_PARAMS params;
  CK_RSA_PKCS_OAEP_PARAMS oaep;
  build(&params, &oaep, bits, hash, mgf);
  bool points = params.pOAEPParams == &oaep;
  params.pOAEPParams = NULL;
  napi_value result, params_bytes, oaep_bytes, points_value;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_buffer_copy(env, sizeof params, &params, NULL, &params_bytes));
  CHECK(napi_create_buffer_copy(env, sizeof oaep, &oaep, NULL, &oaep_bytes));
  CHECK(napi_get_boolean(env, points, &points_value));
  napi_set_named_property(env, result, "params", params_bytes);
  napi_set_named_property(env, result, "oaep", oaep_bytes);
  napi_set_named_property(env, result, "pointsToOaep", points_value);
  return result;
}

static napi_value throw_rv(napi_env env, const char *what, CK_RV rv) {
  char message[96];
  char code[24];
  snprintf(message, sizeof message, "%s returned 0x%08lx", what, (unsigned long)rv);
  snprintf(code, sizeof code, "0x%08lx", (unsigned long)rv);
  napi_throw_error(env, code, message);
  return NULL;
}

/*
 * wrapKey(modulePath, session, aesKeyBits, hashAlg, mgf, wrappingKey, key): C_WrapKey with
 * CKM_RSA_AES_KEY_WRAP on the module loaded from modulePath (already loaded: never loaded here).
 */
static napi_value wrap_key(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char path[4096];
  size_t path_length = 0;
  CK_ULONG session, bits, hash, mgf, wrapping_key, key;
  if (argc != 7 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &path_length) != napi_ok ||
      path_length == 0 || path_length >= sizeof path - 1 || !read_handle(env, argv[1], &session) ||
      !read_ulong(env, argv[2], &bits) || !read_ulong(env, argv[3], &hash) || !read_ulong(env, argv[4], &mgf) ||
      !read_handle(env, argv[5], &wrapping_key) || !read_handle(env, argv[6], &key)) {
    napi_throw_type_error(env, NULL,
                          "wrapKey(modulePath, session, aesKeyBits, hashAlg, mgf, wrappingKey, key): a path, "
                          "handles as pkcs11js gives them, and unsigned numbers");
    return NULL;
  }
  void *module = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
  if (!module) {
    napi_throw_error(env, "NOT_LOADED", "the module is not loaded in this process: the helper never loads one");
    return NULL;
  }
  CK_C_GetFunctionList get_function_list = (CK_C_GetFunctionList)dlsym(module, "C_GetFunctionList");
  CK_FUNCTION_LIST_PTR functions = NULL;
  CK_RV rv = get_function_list ? get_function_list(&functions) : CKR_GENERAL_ERROR;
  dlclose(module); /* pkcs11js still holds its own reference */
  if (rv != CKR_OK || !functions) return throw_rv(env, "C_GetFunctionList", rv);

  CK_RSA_AES_KEY_WRAP_PARAMS params;
  CK_RSA_PKCS_OAEP_PARAMS oaep;
  build(&params, &oaep, bits, hash, mgf);
  CK_MECHANISM mechanism = {CKM_RSA_AES_KEY_WRAP, &params, sizeof params};
  CK_ULONG length = 0;
  rv = functions->C_WrapKey(session, &mechanism, wrapping_key, key, NULL, &length);
  if (rv != CKR_OK) return throw_rv(env, "C_WrapKey", rv);
  unsigned char *wrapped = malloc(length ? length : 1);
  if (!wrapped) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  rv = functions->C_WrapKey(session, &mechanism, wrapping_key, key, wrapped, &length);
  if (rv != CKR_OK) {
    free(wrapped);
    return throw_rv(env, "C_WrapKey", rv);
  }
  napi_value result;
  napi_status status = napi_create_buffer_copy(env, length, wrapped, NULL, &result);
  free(wrapped); /* the wrapped key only: never a key in clear */
  if (status != napi_ok) {
    napi_throw_error(env, NULL, "rsa-aes-key-wrap: the wrapped bytes could not be returned");
    return NULL;
  }
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"layout", NULL, layout, NULL, NULL, NULL, napi_default, NULL},
      {"encodeParams", NULL, encode_params, NULL, NULL, NULL, napi_default, NULL},
      {"wrapKey", NULL, wrap_key, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
