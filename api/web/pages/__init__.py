"""One module per page (or family of pages); each is a router that `api.web.router` includes."""
