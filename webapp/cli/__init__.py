"""Command line: `flask --app wsgi <group> <command>`, thin wrappers over the same services.

One module per group; `webapp.assembly.COMMANDS` lists the groups the app installs (by name and help: `flask
--help` imports none of them)."""
