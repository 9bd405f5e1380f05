"""Pure helpers shared by the apps: no models, no app imports."""
