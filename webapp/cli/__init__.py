"""Command line: `flask --app wsgi <group> <command>`, thin wrappers over the same services.

One module per group; `webapp.assembly.CLI_GROUPS` lists the groups the app installs."""
