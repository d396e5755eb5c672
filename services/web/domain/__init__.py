"""What the site decides without I/O: menus, form rules, the steps of joining."""
