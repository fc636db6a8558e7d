/* studio-take-provenance.c: a take's provenance record. */
#define G_LOG_DOMAIN "studio-take-provenance"

#include "studio-take-provenance.h"

#include "config.h"

static char *
iso_time (gint64 microseconds)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (microseconds / G_USEC_PER_SEC);
  return t != NULL ? g_date_time_format_iso8601 (t) : g_strdup ("");
}

StudioProvenance *
studio_take_provenance (StudioLibrary *library, const StudioTake *take)
{
  StudioProvenance *prov = studio_provenance_new ();
  g_autoptr (GPtrArray) members = studio_library_list_members (library, NULL);
  const StudioRecipe *r = &take->recipe;

  prov->title = g_strdup (take->title);
  prov->comment = g_strdup_printf ("%s from Allegro Studio: take %" G_GINT64_FORMAT " of %s, %s.",
                                   take->kind == STUDIO_TAKE_IMPORTED ? "Imported footage"
                                                                      : "AI-generated video (Allegro text-to-video)",
                                   take->id, take->project, studio_review_status_to_string (take->review_status));
  prov->take_id = g_strdup_printf ("%" G_GINT64_FORMAT, take->id);
  prov->review_status = g_strdup (studio_review_status_to_string (take->review_status));
  prov->model_name = g_strdup (r->model_name);
  prov->model_hash = g_strdup (r->model_hash);
  prov->prompt = g_strdup (r->prompt);
  prov->negative_prompt = g_strdup (r->negative_prompt);
  prov->seed = (guint64) r->seed;
  prov->steps = r->steps;
  prov->guidance = r->guidance;
  prov->width = r->width;
  prov->height = r->height;
  prov->frames = r->frames;
  prov->fps = r->fps;
  prov->engine_version
      = g_strdup (r->engine_version != NULL && r->engine_version[0] != '\0' ? r->engine_version : AE_VERSION);
  prov->ai_generated = take->kind != STUDIO_TAKE_IMPORTED;
  for (guint i = 0; take->reviews != NULL && i < take->reviews->len; i++)
    {
      const StudioReview *review = take->reviews->pdata[i];
      const char *role = "unknown";
      if (review->decision != STUDIO_DECISION_APPROVED && review->decision != STUDIO_DECISION_APPROVED_WITH_CHANGES)
        continue;
      for (guint j = 0; members != NULL && j < members->len; j++)
        {
          const StudioMember *m = members->pdata[j];
          if (g_strcmp0 (m->name, review->member) == 0)
            role = studio_role_to_string (m->role);
        }
      g_autofree char *when = iso_time (review->time);
      studio_provenance_add_approval (prov, review->member, role, studio_decision_to_string (review->decision), when);
    }
  return prov;
}
