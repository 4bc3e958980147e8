"""Studios submit achievements and patents with proof files; administrators approve or return them."""
