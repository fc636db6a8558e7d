/* ae-model-folder.h: a model folder in the layout rhymes-ai/Allegro publishes
 * on Hugging Face (model_index.json, scheduler/, text_encoder/, tokenizer/,
 * transformer/, vae/), with every size read from the components'
 * config.json files, never hard-coded: the tiny fixture model and the real
 * 2.8B model load through the same code.
 *
 * Opening parses and checks the configs and opens (validates) every weight
 * file; no tensor is uploaded.  ae_model_folder_check_tensors then checks
 * that each component holds exactly the tensors its config implies, with
 * their shapes.  Errors name the file and what is wrong.
 *
 * Thread-safety: read-only after opening, except the weight sets' "taken"
 * marks (see ae-safetensors.h).
 */
#pragma once

#include "ae-safetensors.h"

#define AE_VAE_MAX_BLOCKS 8

typedef struct
{
  int64_t vocab_size;                      /* rows of shared.weight (32128) */
  int64_t d_model;                         /* 4096 */
  int64_t d_kv;                            /* 64 */
  int64_t d_ff;                            /* 10240 */
  int64_t num_layers;                      /* 24 */
  int64_t num_heads;                       /* 64 */
  int64_t relative_attention_num_buckets;  /* 32 */
  int64_t relative_attention_max_distance; /* 128 */
  double layer_norm_epsilon;               /* 1e-6 */
  bool gated;                              /* feed_forward_proj "gated-gelu" (the only one supported) */
} ae_t5_config;

typedef struct
{
  int64_t patch_size;          /* 2 */
  int64_t patch_size_t;        /* 1 (the only value supported) */
  int64_t num_attention_heads; /* 24 */
  int64_t attention_head_dim;  /* 96: a multiple of 6 (three even RoPE thirds) */
  int64_t in_channels;         /* 4 */
  int64_t out_channels;        /* 4 */
  int64_t num_layers;          /* 32 */
  int64_t cross_attention_dim; /* must equal heads x head_dim */
  int64_t caption_channels;    /* T5's d_model */
  bool attention_bias;         /* true */
  double norm_eps;             /* 1e-6 */
  double interpolation_scale_t, interpolation_scale_h, interpolation_scale_w; /* 2.2, 2, 2; config null: spec 5.1 */
  bool interpolation_scale_t_set, interpolation_scale_h_set, interpolation_scale_w_set;
  int64_t sample_frames, sample_height, sample_width; /* latent defaults: 22, 90, 160 */
} ae_dit_config;

typedef struct
{
  int64_t in_channels;                           /* 3 */
  int64_t out_channels;                          /* 3 */
  int64_t latent_channels;                       /* 4 */
  int64_t n_blocks;                              /* length of block_out_channels (4) */
  int64_t block_out_channels[AE_VAE_MAX_BLOCKS]; /* 128, 256, 512, 512 */
  bool temporal_downsample[AE_VAE_MAX_BLOCKS];   /* T, T, F, F */
  bool temporal_upsample[AE_VAE_MAX_BLOCKS];     /* F, T, T, F */
  int64_t layers_per_block;                      /* 2 */
  int64_t norm_num_groups;                       /* 32 */
  double scaling_factor;                         /* 0.13 */
  int64_t sample_size;                           /* 320: the pixel tile's height and width */
  int64_t temporal_compression_ratio;            /* 4 */
} ae_vae_config;

typedef struct
{
  int64_t num_train_timesteps; /* 1000 */
  double beta_start, beta_end; /* 1e-4, 0.02 */
  char beta_schedule[32];      /* "linear" or "scaled_linear" */
  char prediction_type[32];    /* "epsilon" (v_prediction too, if supported) */
  char timestep_spacing[32];   /* "linspace", "leading" or "trailing" */
  int64_t steps_offset;        /* 0 */
  bool rescale_betas_zero_snr; /* false */
} ae_scheduler_config;

typedef struct
{
  char *dir; /* the folder, as given */
  ae_t5_config t5;
  ae_dit_config dit;
  ae_vae_config vae;
  ae_scheduler_config scheduler;
  int64_t tokenizer_max_length; /* tokenizer_config.json's model_max_length when sane, else 512 */
  char tokenizer_dir[4096];
  /* model_index.json's "_allegro_studio" hints (the demo model's): */
  bool prompt_templates; /* apply the reference's templates (true unless told) */
  bool has_default_negative_prompt;
  char default_negative_prompt[1024]; /* instead of the reference's */
  int64_t default_steps;              /* 0: the pipeline's (100) */
  double default_guidance;            /* 0: the pipeline's (7.5) */
  bool demo;                          /* the built-in demo model */
  ae_weights *t5_weights;             /* text_encoder/ */
  ae_weights *dit_weights;            /* transformer/ */
  ae_weights *vae_weights;            /* vae/ */
} ae_model_folder;

ae_model_folder *ae_model_folder_open (const char *dir, ae_error *error);

/* The demo model that ships with the application: $ALLEGRO_DEMO_MODEL when
 * set, else the installed copy (share/allegro-studio/demo-model), else the
 * source tree's (uninstalled runs); NULL when there is none. */
const char *ae_demo_model_dir (void);
/* The configs alone, without opening any weight file (the three weight
 * sets are NULL): enough for memory plans of a model not downloaded yet. */
ae_model_folder *ae_model_folder_open_configs (const char *dir, ae_error *error);
void ae_model_folder_free (ae_model_folder *folder);

/* What a render uses when the caller names nothing: the model's hints, else
 * the reference's 100 steps and guidance 7.5.  The negative prompt: the
 * model's, else the reference's when prompt TEMPLATES are applied, else "". */
int64_t ae_model_folder_steps (const ae_model_folder *folder);
double ae_model_folder_guidance (const ae_model_folder *folder);
const char *ae_model_folder_negative_prompt (const ae_model_folder *folder, bool templates);

/* Checks that every component's weight set holds exactly the tensors its
 * config implies (names as in the published checkpoints, shapes from the
 * config): the first missing, mis-shaped or unexpected tensor fails with its
 * name, file, and expected and found shapes.  Works on the host only. */
bool ae_model_folder_check_tensors (ae_model_folder *folder, ae_error *error);

/* Every tensor the configs imply, in checkpoint order, component by
 * component ("text_encoder", "transformer", "vae"): what
 * ae_model_folder_check_tensors expects, for tools that write checkpoints. */
typedef void (*ae_model_tensor_func) (const char *component, const char *name, int ndim, const int64_t *shape,
                                      void *user_data);
void ae_model_folder_list_tensors (const ae_model_folder *folder, ae_model_tensor_func func, void *user_data);
