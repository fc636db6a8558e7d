/* studio-session.c: the state a window's views share. */
#define G_LOG_DOMAIN "studio-session"

#include "studio-session.h"

#include "ae-model-folder.h"

struct _StudioSession
{
  GObject parent_instance;

  StudioLibrary *library; /* borrowed */
  char *member;
  StudioRole role;
  char *project;
  char *model_dir;
  StudioRenderQueue *queue;
};

G_DEFINE_FINAL_TYPE (StudioSession, studio_session, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_MEMBER,
  PROP_ROLE,
  PROP_PROJECT,
  PROP_MODEL_DIR,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum
{
  SIGNAL_LIBRARY_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
studio_session_dispose (GObject *object)
{
  StudioSession *self = STUDIO_SESSION (object);
  g_clear_object (&self->queue);
  G_OBJECT_CLASS (studio_session_parent_class)->dispose (object);
}

static void
studio_session_finalize (GObject *object)
{
  StudioSession *self = STUDIO_SESSION (object);
  g_free (self->member);
  g_free (self->project);
  g_free (self->model_dir);
  G_OBJECT_CLASS (studio_session_parent_class)->finalize (object);
}

static void
studio_session_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  StudioSession *self = STUDIO_SESSION (object);
  switch (prop_id)
    {
    case PROP_MEMBER:
      g_value_set_string (value, self->member);
      break;
    case PROP_ROLE:
      g_value_set_int (value, self->role);
      break;
    case PROP_PROJECT:
      g_value_set_string (value, self->project);
      break;
    case PROP_MODEL_DIR:
      g_value_set_string (value, self->model_dir);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
studio_session_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  StudioSession *self = STUDIO_SESSION (object);
  switch (prop_id)
    {
    case PROP_PROJECT:
      studio_session_set_project (self, g_value_get_string (value));
      break;
    case PROP_MODEL_DIR:
      studio_session_set_model_dir (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
studio_session_class_init (StudioSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = studio_session_dispose;
  object_class->finalize = studio_session_finalize;
  object_class->get_property = studio_session_get_property;
  object_class->set_property = studio_session_set_property;
  props[PROP_MEMBER] = g_param_spec_string ("member", NULL, NULL, NULL,
                                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_ROLE] = g_param_spec_int ("role", NULL, NULL, 0, STUDIO_ROLE_ADMIN, 0,
                                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_PROJECT] = g_param_spec_string ("project", NULL, NULL, NULL,
                                             G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_MODEL_DIR] = g_param_spec_string ("model-dir", NULL, NULL, NULL,
                                               G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);
  signals[SIGNAL_LIBRARY_CHANGED] = g_signal_new ("library-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
studio_session_init (StudioSession *self)
{
}

StudioSession *
studio_session_new (StudioLibrary *library, const char *model_dir)
{
  StudioSession *self = g_object_new (STUDIO_TYPE_SESSION, NULL);
  self->library = library;
  self->model_dir = g_strdup (model_dir != NULL ? model_dir : studio_session_default_model_dir ());
  return self;
}

StudioLibrary *
studio_session_get_library (StudioSession *self)
{
  return self->library;
}

const char *
studio_session_get_member (StudioSession *self)
{
  return self->member;
}

StudioRole
studio_session_get_role (StudioSession *self)
{
  return self->role;
}

/* A queue acts as one member with one model: let an idle one go when
 * either changes (a busy one finishes its jobs as whoever queued them). */
static void
drop_queue (StudioSession *self)
{
  if (self->queue != NULL && !studio_render_queue_is_busy (self->queue))
    g_clear_object (&self->queue);
}

gboolean
studio_session_set_member (StudioSession *self, const char *name, GError **error)
{
  if (name == NULL)
    {
      g_clear_pointer (&self->member, g_free);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MEMBER]);
      return TRUE;
    }
  g_autoptr (StudioMember) member = studio_library_get_member (self->library, name, error);
  if (member == NULL)
    return FALSE;
  if (g_strcmp0 (self->member, member->name) != 0)
    {
      g_free (self->member);
      self->member = g_strdup (member->name);
      drop_queue (self);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MEMBER]);
    }
  if (self->role != member->role)
    {
      self->role = member->role;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ROLE]);
    }
  return TRUE;
}

gboolean
studio_session_can (StudioSession *self, const char *action)
{
  const StudioRole r = self->role;
  if (self->member == NULL)
    return FALSE;
  if (r == STUDIO_ROLE_ADMIN)
    return TRUE;
  if (g_str_equal (action, "render"))
    return r == STUDIO_ROLE_CREATIVE;
  if (g_str_equal (action, "review") || g_str_equal (action, "clear"))
    return r == STUDIO_ROLE_LEGAL;
  if (g_str_equal (action, "rate") || g_str_equal (action, "shortlist") || g_str_equal (action, "tag")
      || g_str_equal (action, "export"))
    return r == STUDIO_ROLE_MANAGER;
  if (g_str_equal (action, "add-project"))
    return r == STUDIO_ROLE_CREATIVE || r == STUDIO_ROLE_MANAGER;
  return FALSE;
}

const char *
studio_session_get_project (StudioSession *self)
{
  return self->project;
}

void
studio_session_set_project (StudioSession *self, const char *project)
{
  if (g_strcmp0 (self->project, project) == 0)
    return;
  g_free (self->project);
  self->project = g_strdup (project);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PROJECT]);
}

const char *
studio_session_get_model_dir (StudioSession *self)
{
  return self->model_dir;
}

void
studio_session_set_model_dir (StudioSession *self, const char *model_dir)
{
  if (g_strcmp0 (self->model_dir, model_dir) == 0)
    return;
  g_free (self->model_dir);
  self->model_dir = g_strdup (model_dir);
  drop_queue (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MODEL_DIR]);
}

StudioRenderQueue *
studio_session_get_queue (StudioSession *self)
{
  if (self->queue == NULL && self->member != NULL)
    self->queue = studio_render_queue_new (self->library, self->model_dir, self->member);
  return self->queue;
}

void
studio_session_library_changed (StudioSession *self)
{
  g_signal_emit (self, signals[SIGNAL_LIBRARY_CHANGED], 0);
}

const char *
studio_session_default_model_dir (void)
{
  return ae_demo_model_dir ();
}
