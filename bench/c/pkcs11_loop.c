/*
 * pkcs11_loop: plain C baseline for the Node-layer PKCS#11 benchmarks.
 *
 * Calls a PKCS#11 module directly in a tight loop so the cost of the Node
 * layer (pkcs11js + our TypeScript) can be measured against it.
 *
 *   cc -O2 -Wall -Wextra -I node_modules/pkcs11js/includes/pkcs11 \
 *      -o pkcs11_loop bench/c/pkcs11_loop.c -ldl
 *   pkcs11_loop MODULE_PATH TOKEN_LABEL USER_PIN wrap|sign ITERATIONS
 *
 * Prints one JSON line: {"operation":..,"iterations":..,"seconds":..,"perSecond":..}
 * Exit codes: 0 ok, 1 PKCS#11 / runtime error, 2 bad arguments.
 */
#define _POSIX_C_SOURCE 200809L

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Stock OASIS headers require the includer to define these platform macros.
 * The copy shipped with pkcs11js defines them itself; these definitions are
 * token-for-token identical to it, so the redefinition is silent.
 * Linux uses default structure packing (only Windows packs to 1 byte).
 */
#define CK_PTR *
#define CK_DEFINE_FUNCTION(returnType, name) returnType name
#define CK_DECLARE_FUNCTION(returnType, name) returnType name
#define CK_DECLARE_FUNCTION_POINTER(returnType, name) returnType(*name)
#define CK_CALLBACK_FUNCTION(returnType, name) returnType(*name)
#ifndef NULL_PTR
#define NULL_PTR 0
#endif
#include "pkcs11.h"

static CK_FUNCTION_LIST_PTR p11;

static void check(const char *fn, CK_RV rv)
{
    if (rv != CKR_OK) {
        fprintf(stderr, "%s failed: CKR 0x%08lX\n", fn, (unsigned long)rv);
        exit(1); /* the module drops session objects when the process dies */
    }
}

/* CALL(C_Foo, (args)) calls through the function list and names C_Foo on error. */
#define CALL(fn, args) check(#fn, p11->fn args)

static int usage(void)
{
    fprintf(stderr, "usage: pkcs11_loop MODULE_PATH TOKEN_LABEL USER_PIN wrap|kwp|sign ITERATIONS [SO_PIN]\n"
                    "  kwp needs SO_PIN: the security officer makes the trusted backup KEK, as in Keyward\n"
                    "  ITERATIONS must be a positive integer\n");
    return 2;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Token labels are blank-padded to 32 bytes, never NUL-terminated. */
static CK_SLOT_ID find_slot(const char *label)
{
    CK_UTF8CHAR want[32];
    size_t len = strlen(label);
    CK_ULONG n = 0;
    CK_SLOT_ID *slots;

    if (len > sizeof want) {
        fprintf(stderr, "token label longer than 32 bytes: %s\n", label);
        exit(1);
    }
    memset(want, ' ', sizeof want);
    memcpy(want, label, len);

    CALL(C_GetSlotList, (CK_TRUE, NULL_PTR, &n));
    slots = calloc(n ? n : 1, sizeof *slots);
    if (!slots) {
        perror("calloc");
        exit(1);
    }
    CALL(C_GetSlotList, (CK_TRUE, slots, &n));
    for (CK_ULONG i = 0; i < n; i++) {
        CK_TOKEN_INFO info;
        CALL(C_GetTokenInfo, (slots[i], &info));
        if (memcmp(info.label, want, sizeof want) == 0) {
            CK_SLOT_ID id = slots[i];
            free(slots);
            return id;
        }
    }
    fprintf(stderr, "no token with label \"%s\"\n", label);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 6 && argc != 7)
        return usage();
    const char *module = argv[1], *label = argv[2], *pin = argv[3], *op = argv[4];
    int do_wrap = strcmp(op, "wrap") == 0, do_kwp = strcmp(op, "kwp") == 0;
    if ((!do_wrap && !do_kwp && strcmp(op, "sign") != 0) || (do_kwp && argc != 7))
        return usage();

    /* strtoul alone would accept "-1", "", "12abc", and saturate on overflow. */
    char *end;
    errno = 0;
    unsigned long iterations = strtoul(argv[5], &end, 10);
    if (argv[5][0] < '0' || argv[5][0] > '9' || *end != '\0' || errno || iterations == 0)
        return usage();

    void *lib = dlopen(module, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    CK_C_GetFunctionList get_list;
    /* POSIX-blessed way to turn dlsym's void * into a function pointer. */
    *(void **)&get_list = dlsym(lib, "C_GetFunctionList");
    if (!get_list) {
        fprintf(stderr, "dlsym C_GetFunctionList: %s\n", dlerror());
        return 1;
    }
    check("C_GetFunctionList", get_list(&p11));
    CALL(C_Initialize, (NULL_PTR));

    CK_SESSION_HANDLE hs;
    CALL(C_OpenSession, (find_slot(label), CKF_SERIAL_SESSION | CKF_RW_SESSION,
                         NULL_PTR, NULL_PTR, &hs));
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ULONG aes_len = 32;
    CK_MECHANISM aes_gen = {CKM_AES_KEY_GEN, NULL_PTR, 0};

    /* The backup KEK as Keyward makes it: the security officer's trusted, public session object, kept
     * through the change of role to the user. */
    CK_OBJECT_HANDLE kek = CK_INVALID_HANDLE;
    if (do_kwp) {
        const char *so_pin = argv[6];
        CALL(C_Login, (hs, CKU_SO, (CK_UTF8CHAR_PTR)so_pin, (CK_ULONG)strlen(so_pin)));
        CK_ATTRIBUTE kek_tmpl[] = {
            {CKA_TOKEN, &no, sizeof no},
            {CKA_PRIVATE, &no, sizeof no},
            {CKA_SENSITIVE, &yes, sizeof yes},
            {CKA_EXTRACTABLE, &no, sizeof no},
            {CKA_TRUSTED, &yes, sizeof yes},
            {CKA_WRAP, &yes, sizeof yes},
            {CKA_VALUE_LEN, &aes_len, sizeof aes_len},
        };
        CALL(C_GenerateKey, (hs, &aes_gen, kek_tmpl, 7, &kek));
        CALL(C_Logout, (hs));
    }
    CALL(C_Login, (hs, CKU_USER, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)strlen(pin)));

    /* --- Setup (untimed): the keys are token objects, private where Keyward's are, as Keyward's are (a
     * token object costs SoftHSM more per use than a session object); the CMK leaves the token only under
     * a trusted key, as Keyward's does. Destroyed at the end. --- */
    CK_ATTRIBUTE aes_tmpl[] = {
        {CKA_TOKEN, &yes, sizeof yes},
        {CKA_PRIVATE, &yes, sizeof yes},
        {CKA_VALUE_LEN, &aes_len, sizeof aes_len},
        {CKA_SENSITIVE, &yes, sizeof yes},
        {CKA_EXTRACTABLE, &yes, sizeof yes},
        {CKA_WRAP_WITH_TRUSTED, &yes, sizeof yes},
    };
    CK_OBJECT_HANDLE aes;
    CALL(C_GenerateKey, (hs, &aes_gen, aes_tmpl, do_kwp ? 6 : 5, &aes));

    CK_ULONG bits = 2048;
    CK_BYTE exponent[] = {0x01, 0x00, 0x01}; /* 65537 */
    CK_ATTRIBUTE rsa_pub_tmpl[] = {
        {CKA_TOKEN, &yes, sizeof yes},
        {CKA_MODULUS_BITS, &bits, sizeof bits},
        {CKA_PUBLIC_EXPONENT, exponent, sizeof exponent},
        {CKA_WRAP, &yes, sizeof yes},
    };
    CK_ATTRIBUTE rsa_priv_tmpl[] = {
        {CKA_TOKEN, &yes, sizeof yes},
        {CKA_SENSITIVE, &yes, sizeof yes},
    };
    CK_MECHANISM rsa_gen = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL_PTR, 0};
    CK_OBJECT_HANDLE rsa_pub, rsa_priv;
    CALL(C_GenerateKeyPair, (hs, &rsa_gen, rsa_pub_tmpl, 4, rsa_priv_tmpl, 2,
                             &rsa_pub, &rsa_priv));

    CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    CK_ATTRIBUTE ec_pub_tmpl[] = {
        {CKA_TOKEN, &yes, sizeof yes},
        {CKA_EC_PARAMS, p256, sizeof p256},
    };
    CK_ATTRIBUTE ec_priv_tmpl[] = {
        {CKA_TOKEN, &yes, sizeof yes},
        {CKA_SENSITIVE, &yes, sizeof yes},
        {CKA_SIGN, &yes, sizeof yes},
    };
    CK_MECHANISM ec_gen = {CKM_EC_KEY_PAIR_GEN, NULL_PTR, 0};
    CK_OBJECT_HANDLE ec_pub, ec_priv;
    CALL(C_GenerateKeyPair, (hs, &ec_gen, ec_pub_tmpl, 2, ec_priv_tmpl, 3,
                             &ec_pub, &ec_priv));

    /* --- Timed loop. --- */
    CK_RSA_PKCS_OAEP_PARAMS oaep = {CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, NULL_PTR, 0};
    CK_MECHANISM wrap_mech = {CKM_RSA_PKCS_OAEP, &oaep, sizeof oaep};
    CK_MECHANISM sign_mech = {CKM_ECDSA, NULL_PTR, 0};
    CK_MECHANISM kwp_mech = {CKM_AES_KEY_WRAP_PAD, NULL_PTR, 0};
    CK_BYTE digest[32];
    CK_BYTE out[256]; /* RSA-2048 wrap output; also fits a 64-byte ECDSA P-256 signature */
    CK_ULONG out_len;
    memset(digest, 0xA5, sizeof digest);

    double start = now();
    for (unsigned long i = 0; i < iterations; i++) {
        out_len = sizeof out; /* in/out parameter: reset every call */
        if (do_wrap) {
            CALL(C_WrapKey, (hs, &wrap_mech, rsa_pub, aes, out, &out_len));
        } else if (do_kwp) {
            CALL(C_WrapKey, (hs, &kwp_mech, kek, aes, out, &out_len));
        } else {
            CALL(C_SignInit, (hs, &sign_mech, ec_priv));
            CALL(C_Sign, (hs, digest, sizeof digest, out, &out_len));
        }
    }
    double seconds = now() - start;

    printf("{\"operation\":\"%s\",\"iterations\":%lu,\"seconds\":%.6f,\"perSecond\":%.2f}\n",
           op, iterations, seconds, (double)iterations / seconds);

    /* --- Cleanup. --- */
    CK_OBJECT_HANDLE objs[] = {aes, rsa_pub, rsa_priv, ec_pub, ec_priv};
    for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++)
        CALL(C_DestroyObject, (hs, objs[i]));
    if (kek != CK_INVALID_HANDLE)
        CALL(C_DestroyObject, (hs, kek));
    CALL(C_Logout, (hs));
    CALL(C_CloseSession, (hs));
    CALL(C_Finalize, (NULL_PTR));
    dlclose(lib);
    return 0;
}
