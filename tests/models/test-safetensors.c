/* test-safetensors.c: the safetensors reader against files this test writes
 * byte for byte: a valid file with every dtype (unaligned data, a scalar, an
 * empty tensor), a sharded checkpoint, every kind of damaged header, and the
 * conversions on the host and on upload to a device. */
#include "models-test.h"
#include "ae-safetensors.h"
#include "ae-safetensors-private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *tmp;

/* Little-endian stores into a byte buffer. */
static void
put_f32 (uint8_t *p, float v)
{
  memcpy (p, &v, 4);
}

static void
put_u16 (uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t) v;
  p[1] = (uint8_t) (v >> 8);
}

/* The valid file: its data, laid out by hand; offsets are deliberately not
 * aligned and not in name order. */
static const float a_values[6] = { 1.5f, -2.0f, 0.25f, 3e-5f, 1e4f, -0.0f };
static const uint16_t h_bits[4] = { 0x3c00, 0xc000, 0x0001, 0x7bff };
static const uint16_t b_bits[4] = { 0x3f80, 0xc2f7, 0x0001, 0x7f7f };

static char *
write_valid (const char *name)
{
  uint8_t data[71] = { 0 };
  int64_t ints[2] = { -5, INT64_C (1) << 40 };
  double d = 0.1;
  const char *header = "{\"u\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]},"
                       "\"h\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[27,35]},"
                       "\"__metadata__\":{\"format\":\"pt\",\"note\":\"written by the test\"},"
                       "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[3,27]},"
                       "\"b\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[35,43]},"
                       "\"i\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[43,59]},"
                       "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[59,63]},"
                       "\"z\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[63,63]},"
                       "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[63,71]}}    ";
  char *path = mt_path (tmp, name);

  data[0] = 7, data[1] = 8, data[2] = 9;
  for (int k = 0; k < 6; k++)
    put_f32 (data + 3 + 4 * k, a_values[k]);
  for (int k = 0; k < 4; k++)
    put_u16 (data + 27 + 2 * k, h_bits[k]);
  for (int k = 0; k < 4; k++)
    put_u16 (data + 35 + 2 * k, b_bits[k]);
  memcpy (data + 43, ints, 16);
  put_f32 (data + 59, 7.0f);
  memcpy (data + 63, &d, 8);
  mt_ok (mt_write_safetensors (path, header, data, sizeof data), NULL, "write the valid file");
  return path;
}

static bool
shape_is (const ae_st_tensor *t, int ndim, const int64_t *shape)
{
  if (t == NULL || t->ndim != ndim)
    return false;
  for (int i = 0; i < ndim; i++)
    if (t->shape[i] != shape[i])
      return false;
  return true;
}

static void
test_valid (void)
{
  ae_error error = { 0 };
  char *path = write_valid ("valid.safetensors");
  ae_weights *w = ae_weights_open (path, &error);
  const char *order[] = { "a", "b", "d", "h", "i", "s", "u", "z" };
  float out[8];
  int64_t ints[3];
  bool sorted = true;

  mt_ok (w != NULL, &error, "open the valid file");
  mt_expect (ae_weights_count (w) == 8, "the valid file holds 8 tensors (%zu)", ae_weights_count (w));
  for (size_t i = 0; i < 8 && i < ae_weights_count (w); i++)
    sorted &= strcmp (ae_weights_at (w, i)->name, order[i]) == 0;
  mt_expect (sorted, "tensors come in name order");
  mt_expect (ae_weights_at (w, 8) == NULL, "ae_weights_at past the end is NULL");
  mt_expect (strcmp (ae_weights_path (w), path) == 0, "ae_weights_path is the file");

  const ae_st_tensor *a = ae_weights_find (w, "a");
  mt_expect (shape_is (a, 2, (int64_t[]){ 2, 3 }) && a->dtype == AE_ST_F32 && a->nbytes == 24,
             "a is F32 [2, 3], 24 bytes");
  mt_expect (a != NULL && strcmp (a->file, path) == 0, "a names its file");
  mt_expect (ae_weights_find (w, "nope") == NULL, "an absent name is not found");
  mt_expect (ae_st_tensor_to_f32 (a, out, &error) && memcmp (out, a_values, sizeof a_values) == 0,
             "F32 at an unaligned offset reads back bit for bit");

  const ae_st_tensor *h = ae_weights_find (w, "h");
  bool ok = ae_st_tensor_to_f32 (h, out, &error);
  bool same = ok;
  for (int k = 0; k < 4 && ok; k++)
    same &= out[k] == ae_f16_to_f32 (h_bits[k]);
  mt_expect (same && out[0] == 1.0f && out[1] == -2.0f && out[2] == ldexpf (1.0f, -24) && out[3] == 65504.0f,
             "F16 to f32 equals ae_f16_to_f32 (1, -2, 2^-24, 65504)");

  const ae_st_tensor *b = ae_weights_find (w, "b");
  ok = ae_st_tensor_to_f32 (b, out, &error);
  same = ok;
  for (int k = 0; k < 4 && ok; k++)
    same &= out[k] == ae_bf16_to_f32 (b_bits[k]);
  mt_expect (same && out[0] == 1.0f && out[1] == -123.5f, "BF16 to f32 equals ae_bf16_to_f32 (1, -123.5, ...)");

  const ae_st_tensor *s = ae_weights_find (w, "s");
  mt_expect (s != NULL && s->ndim == 0 && ae_st_tensor_to_f32 (s, out, &error) && out[0] == 7.0f,
             "a scalar has no dimensions and one element");
  const ae_st_tensor *z = ae_weights_find (w, "z");
  mt_expect (shape_is (z, 2, (int64_t[]){ 0, 4 }) && z->nbytes == 0, "an empty tensor has 0 bytes");
  const ae_st_tensor *d = ae_weights_find (w, "d");
  mt_expect (d != NULL && ae_st_tensor_to_f32 (d, out, &error) && out[0] == 0.1f, "F64 to f32 rounds");

  const ae_st_tensor *i = ae_weights_find (w, "i");
  mt_expect (ae_st_tensor_to_i64 (i, ints, &error) && ints[0] == -5 && ints[1] == INT64_C (1) << 40, "I64 reads back");
  const ae_st_tensor *u = ae_weights_find (w, "u");
  mt_expect (ae_st_tensor_to_i64 (u, ints, &error) && ints[0] == 7 && ints[1] == 8 && ints[2] == 9, "U8 to i64");
  mt_expect_error (ae_st_tensor_to_i64 (a, ints, &error), &error, "F32 is not an integer tensor", "\"a\"", "F32", NULL);
  mt_expect_error (ae_st_tensor_to_f32 (i, out, &error), &error, "I64 is not a float tensor", "\"i\"", "I64", NULL);

  mt_expect (ae_weights_metadata (w, "format") && strcmp (ae_weights_metadata (w, "format"), "pt") == 0,
             "metadata \"format\" is \"pt\"");
  mt_expect (ae_weights_metadata (w, "absent") == NULL, "absent metadata is NULL");

  mt_expect (ae_weights_take (w, "a", 2, (int64_t[]){ 2, 3 }, &error) == a, "take a as [2, 3]");
  mt_expect_error (ae_weights_take (w, "a", 2, (int64_t[]){ 3, 2 }, &error) != NULL, &error,
                   "take a as [3, 2] names the tensor, the file and both shapes", "\"a\"", path, "[2, 3]", "[3, 2]",
                   NULL);
  mt_expect_error (ae_weights_take (w, "a", 1, (int64_t[]){ 6 }, &error) != NULL, &error,
                   "take a as [6] (another rank)", "[2, 3]", "[6]", NULL);
  mt_expect_error (ae_weights_take (w, "nope", 2, (int64_t[]){ 4, 5 }, &error) != NULL, &error,
                   "take a missing tensor names it, the file and the expected shape", "\"nope\"", "missing", path,
                   "[4, 5]", NULL);
  mt_expect_error (ae_weights_take (w, "i", 1, (int64_t[]){ 2 }, &error) != NULL, &error,
                   "take an I64 tensor as weights", "\"i\"", "I64", "float", NULL);
  mt_expect_error (ae_weights_check_all_taken (w, &error), &error, "untaken tensors are unexpected",
                   "Unexpected tensor \"b\"", path, NULL);
  ae_weights_free (w);
  free (path);
}

/* ---- damaged files ---- */

typedef struct
{
  const char *what;
  const char *header; /* NULL: raw bytes below */
  size_t data_size;
  const char *raw;
  size_t raw_size;
  const char *expect[3];
} bad_case;

static const bad_case bad_cases[] = {
  { "an empty file", NULL, 0, "", 0, { "too short" } },
  { "a file of 7 bytes", NULL, 0, "\x10\0\0\0\0\0\0", 7, { "too short" } },
  { "a header length past the end", NULL, 0, "\x40\0\0\0\0\0\0\0{}", 10, { "runs past the end", "64 bytes" } },
  { "a header length of 2^63", NULL, 0, "\0\0\0\0\0\0\0\x80{}", 10, { "100 MB" } },
  { "a header length of 200 MB", NULL, 0, "\0\0\0\x0c\0\0\0\0{}", 10, { "100 MB" } },
  { "malformed JSON", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],", 4, NULL, 0, { "not well-formed JSON" } },
  { "an empty header", "", 0, NULL, 0, { "not well-formed JSON" } },
  { "a header that is an array", "[1, 2]", 0, NULL, 0, { "not a JSON object" } },
  { "a header that is a string", "\"abc\"", 0, NULL, 0, { "not a JSON object" } },
  { "bytes after the JSON", "{} x", 0, NULL, 0, { "after its JSON" } },
  { "an entry that is not an object", "{\"a\":[1]}", 0, NULL, 0, { "\"a\"", "not a JSON object" } },
  { "an unknown dtype",
    "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]}}",
    4,
    NULL,
    0,
    { "\"a\"", "unknown dtype", "F8_E4M3" } },
  { "a dtype that is not a string",
    "{\"a\":{\"dtype\":4,\"shape\":[4],\"data_offsets\":[0,4]}}",
    4,
    NULL,
    0,
    { "\"a\"", "dtype" } },
  { "no shape", "{\"a\":{\"dtype\":\"U8\",\"data_offsets\":[0,4]}}", 4, NULL, 0, { "\"a\"", "shape" } },
  { "a negative dimension",
    "{\"a\":{\"dtype\":\"U8\",\"shape\":[-4],\"data_offsets\":[0,4]}}",
    4,
    NULL,
    0,
    { "\"a\"", "negative" } },
  { "a fractional dimension",
    "{\"a\":{\"dtype\":\"U8\",\"shape\":[1.5],\"data_offsets\":[0,4]}}",
    4,
    NULL,
    0,
    { "\"a\"", "fractional" } },
  { "a dimension past 2^53",
    "{\"a\":{\"dtype\":\"U8\",\"shape\":[1e300],\"data_offsets\":[0,4]}}",
    4,
    NULL,
    0,
    { "\"a\"", "2^53" } },
  { "nine dimensions",
    "{\"a\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,1]}}",
    1,
    NULL,
    0,
    { "\"a\"", "9 dimensions" } },
  { "a shape of more than 2^64 elements",
    "{\"a\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,4]}}",
    4,
    NULL,
    0,
    { "\"a\"", "2^64" } },
  { "a shape of more than 2^64 bytes",
    "{\"a\":{\"dtype\":\"F64\",\"shape\":[4294967296,536870912],"
    "\"data_offsets\":[0,4]}}",
    4,
    NULL,
    0,
    { "\"a\"", "2^64 bytes" } },
  { "data_offsets missing", "{\"a\":{\"dtype\":\"U8\",\"shape\":[4]}}", 4, NULL, 0, { "\"a\"", "data_offsets" } },
  { "three data_offsets",
    "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4,8]}}",
    8,
    NULL,
    0,
    { "\"a\"", "data_offsets" } },
  { "a negative data offset",
    "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[-4,0]}}",
    4,
    NULL,
    0,
    { "\"a\"", "data_offsets" } },
  { "data_offsets that end before they begin",
    "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[8,4]}}",
    8,
    NULL,
    0,
    { "\"a\"", "end before they begin" } },
  { "data_offsets past the data",
    "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[4,8]}}",
    6,
    NULL,
    0,
    { "\"a\"", "past the end of the data", "6 bytes" } },
  { "a byte range of the wrong size",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}",
    24,
    NULL,
    0,
    { "\"a\"", "24 bytes", "hold 20" } },
  { "overlapping tensors",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
    "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
    12,
    NULL,
    0,
    { "\"a\"", "\"b\"", "overlap" } },
  { "a tensor inside another",
    "{\"big\":{\"dtype\":\"U8\",\"shape\":[16],\"data_offsets\":[0,16]},"
    "\"x\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[8,10]},"
    "\"y\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[12,14]}}",
    16,
    NULL,
    0,
    { "\"big\"", "overlap" } },
  { "a duplicate name",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
    "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
    8,
    NULL,
    0,
    { "\"a\"", "twice" } },
  { "an empty name", "{\"\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, NULL, 0, { "empty name" } },
  { "metadata that is not an object", "{\"__metadata__\":[1]}", 0, NULL, 0, { "__metadata__" } },
  { "a metadata value that is not a string",
    "{\"__metadata__\":{\"format\":1}}",
    0,
    NULL,
    0,
    { "\"format\"", "not a string" } },
  { "two metadata entries", "{\"__metadata__\":{},\"__metadata__\":{}}", 0, NULL, 0, { "two \"__metadata__\"" } },
};

static void
test_bad_files (void)
{
  for (size_t c = 0; c < AE_N_ELEMENTS (bad_cases); c++)
    {
      const bad_case *bc = &bad_cases[c];
      char name[64];
      ae_error error = { 0 };

      snprintf (name, sizeof name, "bad-%zu.safetensors", c);
      char *path = mt_path (tmp, name);
      if (bc->header != NULL)
        {
          uint8_t *zeros = calloc (1, bc->data_size + 1);
          mt_ok (mt_write_safetensors (path, bc->header, zeros, bc->data_size), NULL, "write a bad file");
          free (zeros);
        }
      else
        mt_ok (mt_write_file (path, bc->raw, bc->raw_size), NULL, "write a bad file");
      ae_weights *w = ae_weights_open (path, &error);
      bool all = w == NULL && strstr (error.message, path) != NULL;
      for (int k = 0; k < 3 && bc->expect[k] != NULL && w == NULL; k++)
        if (strstr (error.message, bc->expect[k]) == NULL)
          {
            printf ("     (the message lacks \"%s\")\n", bc->expect[k]);
            all = false;
          }
      mt_expect (all, "%s is refused: %s", bc->what, w ? "(opened)" : error.message);
      ae_weights_free (w);
      free (path);
    }

  /* A valid file cut short, inside the data and inside the header. */
  char *valid = write_valid ("to-truncate.safetensors");
  size_t size;
  char *bytes = mt_read_file (valid, &size);
  char *cut = mt_path (tmp, "truncated.safetensors");
  ae_error error = { 0 };
  mt_ok (mt_write_file (cut, bytes, size - 5), NULL, "write a truncated file");
  ae_weights *w = ae_weights_open (cut, &error);
  mt_expect_error (w != NULL, &error, "a file cut inside its data", "past the end of the data", cut, NULL);
  ae_weights_free (w);
  mt_ok (mt_write_file (cut, bytes, 100), NULL, "write a truncated file");
  w = ae_weights_open (cut, &error);
  mt_expect_error (w != NULL, &error, "a file cut inside its header", "runs past the end", cut, NULL);
  ae_weights_free (w);
  free (bytes);
  free (cut);
  free (valid);

  ae_error e2 = { 0 };
  w = ae_weights_open ("/nonexistent/x.safetensors", &e2);
  mt_expect_error (w != NULL, &e2, "a missing file", "/nonexistent/x.safetensors", NULL);
}

/* ---- sharded checkpoints and folders ---- */

static char *
make_shards (const char *dirname, const char *index_json, bool with_second)
{
  char *dir = mt_path (tmp, dirname);
  uint8_t data1[12], data2[4];

  mkdir (dir, 0755);
  put_f32 (data1, 1.0f);
  put_f32 (data1 + 4, 2.0f);
  put_f32 (data1 + 8, 3.0f);
  put_u16 (data2, 0x3f80);
  put_u16 (data2 + 2, 0x4000);
  char *p1 = mt_path (dir, "model-00001-of-00002.safetensors");
  char *p2 = mt_path (dir, "model-00002-of-00002.safetensors");
  char *pi = mt_path (dir, "model.safetensors.index.json");
  mt_ok (mt_write_safetensors (p1,
                               "{\"__metadata__\":{\"format\":\"shard1\"},"
                               "\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                               "\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
                               data1, sizeof data1),
         NULL, "write shard 1");
  if (with_second)
    mt_ok (mt_write_safetensors (p2,
                                 "{\"__metadata__\":{\"format\":\"shard2\"},"
                                 "\"w\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}",
                                 data2, sizeof data2),
           NULL, "write shard 2");
  mt_ok (mt_write_file (pi, index_json, strlen (index_json)), NULL, "write the index");
  free (p1);
  free (p2);
  free (pi);
  return dir;
}

#define GOOD_INDEX                                                                                                     \
  "{\"metadata\":{\"total_size\":16},\"weight_map\":{\"x\":\"model-00001-of-00002.safetensors\","                      \
  "\"y\":\"model-00001-of-00002.safetensors\",\"w\":\"model-00002-of-00002.safetensors\"}}"

static void
test_shards (void)
{
  ae_error error = { 0 };
  char *dir = make_shards ("sharded", GOOD_INDEX, true);
  char *index = mt_path (dir, "model.safetensors.index.json");
  char *shard2 = mt_path (dir, "model-00002-of-00002.safetensors");
  float out[2];

  for (int pass = 0; pass < 2; pass++)
    {
      ae_weights *w = ae_weights_open (pass == 0 ? index : dir, &error);
      mt_ok (w != NULL, &error, "open the sharded checkpoint");
      mt_expect (ae_weights_count (w) == 3, "%s: 3 tensors across 2 shards", pass == 0 ? "index" : "folder");
      mt_expect (strcmp (ae_weights_path (w), index) == 0, "the weight set's path is the index");
      const ae_st_tensor *t = ae_weights_find (w, "w");
      mt_expect (t != NULL && strcmp (t->file, shard2) == 0, "w names shard 2");
      mt_expect (ae_st_tensor_to_f32 (t, out, &error) && out[0] == 1.0f && out[1] == 2.0f, "w reads from shard 2");
      mt_expect (ae_weights_metadata (w, "format") && strcmp (ae_weights_metadata (w, "format"), "shard2") == 0,
                 "metadata comes from the shard of the first tensor (w)");
      const ae_st_tensor *y = ae_weights_take (w, "y", 1, (int64_t[]){ 1 }, &error);
      mt_expect (y != NULL && ae_st_tensor_to_f32 (y, out, &error) && out[0] == 3.0f, "y reads from shard 1");
      mt_expect_error (ae_weights_check_all_taken (w, &error), &error, "w and x are not taken yet", "\"w\"", shard2,
                       NULL);
      ae_weights_take (w, "w", 1, (int64_t[]){ 2 }, &error);
      ae_weights_take (w, "x", 1, (int64_t[]){ 2 }, &error);
      mt_expect (ae_weights_check_all_taken (w, &error), "every tensor taken");
      ae_weights_free (w);
    }
  free (index);
  free (shard2);
  free (dir);

  static const struct
  {
    const char *what, *index;
    bool second;
    const char *expect[3];
  } cases[] = {
    { "a missing shard",
      "{\"weight_map\":{\"x\":\"model-00001-of-00002.safetensors\",\"y\":\"model-00001-of-00002.safetensors\","
      "\"w\":\"model-00002-of-00002.safetensors\"}}",
      false,
      { "model-00002-of-00002.safetensors", "missing", "\"w\"" } },
    { "a tensor the shard does not hold",
      "{\"weight_map\":{\"x\":\"model-00001-of-00002.safetensors\",\"y\":\"model-00001-of-00002.safetensors\","
      "\"q\":\"model-00001-of-00002.safetensors\",\"w\":\"model-00002-of-00002.safetensors\"}}",
      true,
      { "\"q\"", "does not hold" } },
    { "a tensor the index does not list",
      "{\"weight_map\":{\"x\":\"model-00001-of-00002.safetensors\","
      "\"w\":\"model-00002-of-00002.safetensors\"}}",
      true,
      { "\"y\"", "does not list" } },
    { "a tensor in another shard than the index says",
      "{\"weight_map\":{\"x\":\"model-00001-of-00002.safetensors\",\"y\":\"model-00002-of-00002.safetensors\","
      "\"w\":\"model-00002-of-00002.safetensors\"}}",
      true,
      { "\"y\"", "but it is in" } },
    { "a shard outside the folder",
      "{\"weight_map\":{\"x\":\"../model-00001-of-00002.safetensors\"}}",
      true,
      { "\"x\"", "not a file name" } },
    { "a tensor named twice",
      "{\"weight_map\":{\"x\":\"a.safetensors\",\"x\":\"a.safetensors\"}}",
      true,
      { "\"x\"", "twice" } },
    { "an index without weight_map", "{\"metadata\":{}}", true, { "weight_map" } },
    { "an empty weight_map", "{\"weight_map\":{}}", true, { "empty" } },
    { "a malformed index", "{\"weight_map\":{\"x\":", true, { "not well-formed JSON" } },
  };
  for (size_t c = 0; c < AE_N_ELEMENTS (cases); c++)
    {
      char name[32];
      snprintf (name, sizeof name, "badshards-%zu", c);
      char *d = make_shards (name, cases[c].index, cases[c].second);
      ae_weights *w = ae_weights_open (d, &error);
      bool all = w == NULL;
      for (int k = 0; k < 3 && cases[c].expect[k] && w == NULL; k++)
        if (strstr (error.message, cases[c].expect[k]) == NULL)
          {
            printf ("     (the message lacks \"%s\")\n", cases[c].expect[k]);
            all = false;
          }
      mt_expect (all, "%s is refused: %s", cases[c].what, w ? "(opened)" : error.message);
      ae_weights_free (w);
      free (d);
    }

  /* The same tensor in two shards. */
  char *d = make_shards ("dupshards", GOOD_INDEX, true);
  char *p2 = mt_path (d, "model-00002-of-00002.safetensors");
  uint8_t data[8] = { 0 };
  mt_write_safetensors (p2,
                        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        "\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                        data, sizeof data);
  ae_weights *w = ae_weights_open (d, &error);
  mt_expect_error (w != NULL, &error, "a tensor in two shards", "\"x\"", "appears both", NULL);
  ae_weights_free (w);
  free (p2);
  free (d);

  /* Folders: none, one, or several files. */
  char *empty = mt_path (tmp, "empty");
  mkdir (empty, 0755);
  w = ae_weights_open (empty, &error);
  mt_expect_error (w != NULL, &error, "a folder without weights", "no .safetensors", empty, NULL);
  char *one = mt_path (empty, "one.safetensors");
  mt_write_safetensors (one, "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", "x", 1);
  w = ae_weights_open (empty, &error);
  mt_expect (w != NULL && ae_weights_count (w) == 1 && strcmp (ae_weights_path (w), one) == 0,
             "a folder with one .safetensors file opens it");
  ae_weights_free (w);
  char *two = mt_path (empty, "two.safetensors");
  mt_write_safetensors (two, "{}", NULL, 0);
  w = ae_weights_open (empty, &error);
  mt_expect_error (w != NULL, &error, "a folder with two files and no index", "2 .safetensors files", NULL);
  ae_weights_free (w);
  free (one);
  free (two);
  free (empty);
}

/* ---- values that must not load ---- */

static void
test_bad_values (void)
{
  ae_error error = { 0 };
  uint8_t data[12 + 4 + 4];
  float out[3];

  put_f32 (data, 1.0f);
  put_f32 (data + 4, NAN);
  put_f32 (data + 8, 2.0f);
  put_u16 (data + 12, 0x3c00);
  put_u16 (data + 14, 0xfc00); /* -inf */
  put_f32 (data + 16, 1e6f);
  char *path = mt_path (tmp, "nan.safetensors");
  mt_write_safetensors (path,
                        "{\"n\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]},"
                        "\"i\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[12,16]},"
                        "\"big\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[16,20]}}",
                        data, sizeof data);
  ae_weights *w = ae_weights_open (path, &error);
  mt_ok (w != NULL, &error, "open nan.safetensors");
  mt_expect_error (ae_st_tensor_to_f32 (ae_weights_find (w, "n"), out, &error), &error,
                   "a NaN weight names the tensor, the file and the index", "\"n\"", path, "NaN at index 1", NULL);
  mt_expect_error (ae_st_tensor_to_f32 (ae_weights_find (w, "i"), out, &error), &error, "an infinite F16 weight",
                   "\"i\"", "infinite value at index 1", NULL);
  uint16_t h;
  mt_expect_error (ae_st_convert_range (ae_weights_find (w, "big"), 0, 1, AE_F16, &h, &error), &error,
                   "1e6 does not fit f16", "\"big\"", "f16 range", NULL);
  mt_expect (ae_st_convert_range (ae_weights_find (w, "big"), 0, 1, AE_BF16, &h, &error) && h == ae_f32_to_bf16 (1e6f),
             "1e6 fits bf16");
  ae_weights_free (w);
  free (path);
}

/* ---- upload to a device ---- */

static void
log_warnings (ae_log_level level, const char *message, void *user_data)
{
  if (level >= AE_LOG_WARNING)
    fprintf (stderr, "%s\n", message);
}

static void
test_upload (void)
{
  ae_error error = { 0 };
  ae_context_params params = { .log = log_warnings };
  ae_context *ctx = ae_context_new (&params, &error);
  float out[8];

  if (ctx == NULL)
    {
      /* The host half above still ran; only the device copies need a device. */
      mt_expect (error.code == AE_ERROR_NO_DRIVER || error.code == AE_ERROR_NO_DEVICE, "context: %s", error.message);
      printf ("note: no Vulkan device, the upload checks did not run (%s)\n", error.message);
      return;
    }
  printf ("device: %s\n", ae_context_device (ctx)->name);

  char *path = write_valid ("upload.safetensors");
  ae_weights *w = ae_weights_open (path, &error);
  mt_ok (w != NULL, &error, "open upload.safetensors");
  const ae_dtype kinds[3] = { AE_F32, AE_F16, AE_BF16 };
  for (int k = 0; k < 3; k++)
    {
      ae_tensor *t = ae_weights_upload (ctx, w, "a", kinds[k], 2, (int64_t[]){ 2, 3 }, &error);
      bool same = t != NULL && t->dtype == kinds[k] && ae_tensor_download_f32 (t, out, &error);
      for (int e = 0; same && e < 6; e++)
        same = out[e] == ae_round_to_dtype (a_values[e], kinds[k]);
      mt_expect (same, "F32 weights uploaded as %s equal the host rounding", ae_dtype_name (kinds[k]));
      ae_tensor_free (t);
    }
  uint16_t bits[4];
  ae_tensor *t = ae_weights_upload (ctx, w, "h", AE_F16, 1, (int64_t[]){ 4 }, &error);
  mt_expect (t != NULL && ae_tensor_download (t, bits, sizeof bits, &error) && memcmp (bits, h_bits, 8) == 0,
             "F16 uploaded as f16 keeps every bit");
  ae_tensor_free (t);
  t = ae_weights_upload (ctx, w, "b", AE_BF16, 2, (int64_t[]){ 2, 2 }, &error);
  mt_expect (t != NULL && ae_tensor_download (t, bits, sizeof bits, &error) && memcmp (bits, b_bits, 8) == 0,
             "BF16 uploaded as bf16 keeps every bit");
  ae_tensor_free (t);
  t = ae_weights_upload (ctx, w, "s", AE_F32, 0, NULL, &error);
  mt_expect (t != NULL && ae_tensor_numel (t) == 1 && ae_tensor_download_f32 (t, out, &error) && out[0] == 7.0f,
             "a scalar uploads as one element");
  ae_tensor_free (t);
  t = ae_weights_upload (ctx, w, "a", AE_F32, 2, (int64_t[]){ 3, 2 }, &error);
  mt_expect_error (t != NULL, &error, "upload with the wrong shape", "\"a\"", "[2, 3]", "[3, 2]", NULL);
  ae_tensor_free (t);
  t = ae_weights_upload (ctx, w, "i", AE_F32, 1, (int64_t[]){ 2 }, &error);
  mt_expect_error (t != NULL, &error, "upload of an integer tensor", "\"i\"", "I64", NULL);
  ae_tensor_free (t);
  ae_weights_free (w);
  free (path);

  /* Larger than one staging chunk (4 Mi elements), so views carry the rest. */
  const int64_t n = (INT64_C (4) << 20) + 4099;
  uint16_t *big = malloc ((size_t) n * 2);
  for (int64_t e = 0; e < n; e++)
    big[e] = ae_f32_to_f16 (sinf ((float) e * 0.001f) * 1000.0f);
  char header[128];
  snprintf (header, sizeof header, "{\"big\":{\"dtype\":\"F16\",\"shape\":[%lld],\"data_offsets\":[0,%lld]}}",
            (long long) n, (long long) n * 2);
  path = mt_path (tmp, "big.safetensors");
  mt_ok (mt_write_safetensors (path, header, big, (size_t) n * 2), NULL, "write big.safetensors");
  w = ae_weights_open (path, &error);
  mt_ok (w != NULL, &error, "open big.safetensors");
  for (int k = 0; k < 2; k++)
    {
      ae_dtype to = k == 0 ? AE_F32 : AE_BF16;
      float *back = malloc ((size_t) n * 4);
      t = ae_weights_upload (ctx, w, "big", to, 1, &n, &error);
      bool same = t != NULL && ae_tensor_download_f32 (t, back, &error);
      int64_t bad = -1;
      for (int64_t e = 0; same && e < n; e++)
        if (back[e] != ae_round_to_dtype (ae_f16_to_f32 (big[e]), to))
          {
            same = false;
            bad = e;
          }
      mt_expect (same, "%lld F16 weights (2 staging chunks) uploaded as %s read back exactly (first bad %lld)",
                 (long long) n, ae_dtype_name (to), (long long) bad);
      ae_tensor_free (t);
      free (back);
    }
  ae_weights_free (w);
  free (big);
  free (path);

  uint8_t nan_data[8];
  put_f32 (nan_data, 1.0f);
  put_f32 (nan_data + 4, NAN);
  path = mt_path (tmp, "nan-upload.safetensors");
  mt_write_safetensors (path, "{\"n\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", nan_data, 8);
  w = ae_weights_open (path, &error);
  t = ae_weights_upload (ctx, w, "n", AE_F16, 1, (int64_t[]){ 2 }, &error);
  mt_expect_error (t != NULL, &error, "a NaN weight does not upload", "\"n\"", "NaN at index 1", NULL);
  ae_tensor_free (t);
  ae_memory_stats stats;
  ae_context_memory_stats (ctx, &stats);
  mt_expect (stats.live == 0, "no device memory is left behind (%llu bytes live)", (unsigned long long) stats.live);
  ae_weights_free (w);
  free (path);
  ae_context_free (ctx);
}

int
main (void)
{
  tmp = mt_temp_dir ("test-safetensors");
  test_valid ();
  test_bad_files ();
  test_shards ();
  test_bad_values ();
  test_upload ();
  mt_remove_tree (tmp);
  free (tmp);
  return mt_summary ();
}
