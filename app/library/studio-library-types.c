/* studio-library-types.c: names of the enumerations, and the plain structs'
 * copy and free functions (boxed types, for GValue and list models). */
#define G_LOG_DOMAIN "studio-library"

#include <string.h>

#include "studio-library.h"

static const char *const role_names[] = { "creative", "legal", "manager", "admin" };
static const char *const kind_names[] = { "draft", "final", "imported" };
static const char *const render_names[] = { "queued", "running", "done", "failed", "cancelled" };
static const char *const decision_names[] = { "rejected", "changes-required", "approved-with-changes", "approved" };
static const char *const status_names[]
    = { "rejected", "changes-required", "approved-with-changes", "approved", "needs-review" };
static const char *const clearance_names[] = { "likeness", "trademarks", "licences", "disclosure" };
static const char *const clearance_descriptions[] = {
  "likeness and portrait rights",
  "trademarks and logos",
  "licences of source material",
  "AI-content disclosure label",
};

static gboolean
lookup (const char *const *names, int n_names, const char *text, int *value)
{
  if (text == NULL)
    return FALSE;
  for (int i = 0; i < n_names; i++)
    if (strcmp (names[i], text) == 0)
      {
        *value = i;
        return TRUE;
      }
  return FALSE;
}

#define NAME_FUNCTIONS(prefix, Type, names)                                                                            \
  const char *prefix##_to_string (Type value)                                                                          \
  {                                                                                                                    \
    g_return_val_if_fail ((int) value >= 0 && (int) value < (int) G_N_ELEMENTS (names), "unknown");                    \
    return names[value];                                                                                               \
  }                                                                                                                    \
  gboolean prefix##_from_string (const char *text, Type *value)                                                        \
  {                                                                                                                    \
    int found;                                                                                                         \
    if (!lookup (names, G_N_ELEMENTS (names), text, &found))                                                           \
      return FALSE;                                                                                                    \
    *value = (Type) found;                                                                                             \
    return TRUE;                                                                                                       \
  }

NAME_FUNCTIONS (studio_role, StudioRole, role_names)
NAME_FUNCTIONS (studio_take_kind, StudioTakeKind, kind_names)
NAME_FUNCTIONS (studio_render_status, StudioRenderStatus, render_names)
NAME_FUNCTIONS (studio_decision, StudioDecision, decision_names)
NAME_FUNCTIONS (studio_review_status, StudioReviewStatus, status_names)
NAME_FUNCTIONS (studio_clearance, StudioClearance, clearance_names)

const char *
studio_clearance_describe (StudioClearance item)
{
  g_return_val_if_fail ((int) item >= 0 && item < STUDIO_CLEARANCE_COUNT, "unknown");
  return clearance_descriptions[item];
}

void
studio_recipe_clear (StudioRecipe *recipe)
{
  g_clear_pointer (&recipe->prompt, g_free);
  g_clear_pointer (&recipe->negative_prompt, g_free);
  g_clear_pointer (&recipe->scheduler, g_free);
  g_clear_pointer (&recipe->model_name, g_free);
  g_clear_pointer (&recipe->model_hash, g_free);
  g_clear_pointer (&recipe->engine_version, g_free);
  g_clear_pointer (&recipe->device, g_free);
}

void
studio_recipe_copy (const StudioRecipe *from, StudioRecipe *to)
{
  *to = *from;
  to->prompt = g_strdup (from->prompt);
  to->negative_prompt = g_strdup (from->negative_prompt);
  to->scheduler = g_strdup (from->scheduler);
  to->model_name = g_strdup (from->model_name);
  to->model_hash = g_strdup (from->model_hash);
  to->engine_version = g_strdup (from->engine_version);
  to->device = g_strdup (from->device);
}

StudioMember *
studio_member_copy (const StudioMember *member)
{
  StudioMember *copy = g_memdup2 (member, sizeof *member);
  copy->name = g_strdup (member->name);
  return copy;
}

void
studio_member_free (StudioMember *member)
{
  if (member == NULL)
    return;
  g_free (member->name);
  g_free (member);
}

StudioProject *
studio_project_copy (const StudioProject *project)
{
  StudioProject *copy = g_memdup2 (project, sizeof *project);
  copy->name = g_strdup (project->name);
  copy->brief = g_strdup (project->brief);
  copy->created_by = g_strdup (project->created_by);
  return copy;
}

void
studio_project_free (StudioProject *project)
{
  if (project == NULL)
    return;
  g_free (project->name);
  g_free (project->brief);
  g_free (project->created_by);
  g_free (project);
}

StudioReview *
studio_review_copy (const StudioReview *review)
{
  StudioReview *copy = g_memdup2 (review, sizeof *review);
  copy->member = g_strdup (review->member);
  copy->note = g_strdup (review->note);
  return copy;
}

void
studio_review_free (StudioReview *review)
{
  if (review == NULL)
    return;
  g_free (review->member);
  g_free (review->note);
  g_free (review);
}

static gpointer
copy_review (gconstpointer review, gpointer unused)
{
  return studio_review_copy (review);
}

static gpointer
copy_string (gconstpointer text, gpointer unused)
{
  return g_strdup (text);
}

static GArray *
copy_ids (GArray *ids)
{
  GArray *copy;

  if (ids == NULL)
    return NULL;
  copy = g_array_sized_new (FALSE, FALSE, sizeof (gint64), ids->len);
  g_array_append_vals (copy, ids->data, ids->len);
  return copy;
}

StudioTake *
studio_take_copy (const StudioTake *take)
{
  StudioTake *copy = g_memdup2 (take, sizeof *take);

  copy->project = g_strdup (take->project);
  copy->title = g_strdup (take->title);
  copy->created_by = g_strdup (take->created_by);
  studio_recipe_copy (&take->recipe, &copy->recipe);
  copy->source = g_strdup (take->source);
  copy->licence = g_strdup (take->licence);
  copy->render_error = g_strdup (take->render_error);
  copy->video = g_strdup (take->video);
  copy->poster = g_strdup (take->poster);
  copy->preview_strip = g_strdup (take->preview_strip);
  copy->latent = g_strdup (take->latent);
  copy->reviews = NULL;
  if (take->reviews != NULL)
    copy->reviews = g_ptr_array_copy (take->reviews, copy_review, NULL);
  if (copy->reviews != NULL)
    g_ptr_array_set_free_func (copy->reviews, (GDestroyNotify) studio_review_free);
  for (int i = 0; i < STUDIO_CLEARANCE_COUNT; i++)
    copy->checklist[i].member = g_strdup (take->checklist[i].member);
  copy->tags = NULL;
  if (take->tags != NULL)
    {
      copy->tags = g_ptr_array_copy (take->tags, copy_string, NULL);
      g_ptr_array_set_free_func (copy->tags, g_free);
    }
  copy->ancestors = copy_ids (take->ancestors);
  copy->children = copy_ids (take->children);
  return copy;
}

void
studio_take_free (StudioTake *take)
{
  if (take == NULL)
    return;
  g_free (take->project);
  g_free (take->title);
  g_free (take->created_by);
  studio_recipe_clear (&take->recipe);
  g_free (take->source);
  g_free (take->licence);
  g_free (take->render_error);
  g_free (take->video);
  g_free (take->poster);
  g_free (take->preview_strip);
  g_free (take->latent);
  g_clear_pointer (&take->reviews, g_ptr_array_unref);
  for (int i = 0; i < STUDIO_CLEARANCE_COUNT; i++)
    g_free (take->checklist[i].member);
  g_clear_pointer (&take->tags, g_ptr_array_unref);
  g_clear_pointer (&take->ancestors, g_array_unref);
  g_clear_pointer (&take->children, g_array_unref);
  g_free (take);
}

StudioAuditRow *
studio_audit_row_copy (const StudioAuditRow *row)
{
  StudioAuditRow *copy = g_memdup2 (row, sizeof *row);
  copy->actor = g_strdup (row->actor);
  copy->action = g_strdup (row->action);
  copy->details = g_strdup (row->details);
  copy->prev_hash = g_strdup (row->prev_hash);
  copy->hash = g_strdup (row->hash);
  return copy;
}

void
studio_audit_row_free (StudioAuditRow *row)
{
  if (row == NULL)
    return;
  g_free (row->actor);
  g_free (row->action);
  g_free (row->details);
  g_free (row->prev_hash);
  g_free (row->hash);
  g_free (row);
}

G_DEFINE_BOXED_TYPE (StudioMember, studio_member, studio_member_copy, studio_member_free)
G_DEFINE_BOXED_TYPE (StudioProject, studio_project, studio_project_copy, studio_project_free)
G_DEFINE_BOXED_TYPE (StudioReview, studio_review, studio_review_copy, studio_review_free)
G_DEFINE_BOXED_TYPE (StudioTake, studio_take, studio_take_copy, studio_take_free)
G_DEFINE_BOXED_TYPE (StudioAuditRow, studio_audit_row, studio_audit_row_copy, studio_audit_row_free)
