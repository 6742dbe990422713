"""The Rsync Info Editor (guide 3.1): the tree of one image with prune and splice, the same
tree with rs_date and rs_sync, and one server's synced directories with their chains. Drawn
server-side; every page reads the configuration in three queries."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from core.permissions import CHANGE_VALUES, LabnetView, require
from core.refusals import refusal_text

from . import services
from .replication import DATE_FORMAT, Derivation, Tree
from .rsync_config import configuration

MAX_FIELD = 4200  # a server name, a row number and a path


def tree_rows(tree: Tree, today: str) -> list[dict]:
    """The tree as indented rows, parents first."""
    return [
        {
            "depth": depth,
            "server": node.server,
            "path": node.path,
            "key": f"{node.row.server}:{node.row.row}" if node.row else "",
            "parent": f"{node.server}|{node.path}",
            "row": node.row,
            "stale": node.row is not None and not node.row.date.startswith(today),
            "indent": depth * 1.6,
        }
        for depth, node in tree.root.walk()
    ]


def _today() -> str:
    return timezone.localtime().strftime(DATE_FORMAT)[:10]


class ChooseView(LabnetView, TemplateView):
    """The page where the user picks a view: an image's tree or dates, or a server."""

    template_name = "imaging/rsync_choose.html"

    def get_context_data(self, **kwargs):
        config = configuration()
        derivation = config.derive()
        held = sorted({r.server for r in config.rows})
        return super().get_context_data(
            images=sorted(derivation.trees), servers=held, problems=derivation.problems, **kwargs
        )


class _ImageView(LabnetView, TemplateView):
    def derivation(self) -> Derivation:
        derivation = configuration().derive()
        if self.kwargs["image"] not in derivation.trees:
            raise Http404(f"no rsyncImage {self.kwargs['image']!r} with a tree")
        return derivation


class TreeView(_ImageView):
    """View 1: pick servers on the left, their new parent on the right (any image), Submit."""

    template_name = "imaging/rsync_tree.html"

    def get_context_data(self, **kwargs):
        derivation = self.derivation()
        image = self.kwargs["image"]
        target = self.request.GET.get("to", image)
        if target not in derivation.trees:
            target = image
        today = _today()
        return super().get_context_data(
            target=target,
            images=sorted(derivation.trees),
            left=tree_rows(derivation.trees[image], today),
            right=tree_rows(derivation.trees[target], today),
            problems=derivation.problems,
            **kwargs,
        )

    def post(self, request, image):
        require(request.user, CHANGE_VALUES)
        target = request.POST.get("to", image)[:MAX_FIELD]
        moving = []
        try:
            for key in request.POST.getlist("move")[:1000]:
                server, _, row = key[:MAX_FIELD].rpartition(":")
                if not row.isdigit():
                    raise ValidationError(f"{key!r} names no Rsync row")
                moving.append((server, int(row)))
            parent, bar, path = request.POST.get("parent", "")[:MAX_FIELD].partition("|")
            if not bar:
                raise ValidationError("pick the server they are to receive the image from")
            moved = services.do_move_rows(moving, target, (parent, path), user=request.user)
        except ValidationError as refused:
            messages.error(request, refusal_text(refused))
        else:
            names = ", ".join(sorted({r.server for r in moved}))
            messages.success(request, f"{names} now receive {target} from {parent}")
        url = reverse("imaging:rsync-tree", args=[image])
        return HttpResponseRedirect(f"{url}?to={target}")


class DatesView(_ImageView):
    """View 2: the tree with each row's rs_date; a click on a server toggles rs_sync."""

    template_name = "imaging/rsync_dates.html"

    def get_context_data(self, **kwargs):
        derivation = self.derivation()
        image = self.kwargs["image"]
        return super().get_context_data(rows=tree_rows(derivation.trees[image], _today()), **kwargs)

    def post(self, request, image):
        require(request.user, CHANGE_VALUES)
        server = request.POST.get("server", "")[:MAX_FIELD]
        row = request.POST.get("row", "")
        try:
            if not row.isdigit():
                raise ValidationError(f"{row[:20]!r} is not a row number")
            services.do_set_rsync_sync(
                server, int(row), request.POST.get("sync") == "yes", user=request.user
            )
        except ValidationError as refused:
            messages.error(request, refusal_text(refused))
        return HttpResponseRedirect(reverse("imaging:rsync-dates", args=[image]))


class ServerView(LabnetView, TemplateView):
    """View 3: each synced directory of one server, the chain it comes through, its image."""

    template_name = "imaging/rsync_server.html"

    def get_context_data(self, **kwargs):
        server = self.kwargs["server"]
        derivation = configuration().derive()
        directories = []
        for name, tree in sorted(derivation.trees.items()):
            for node in tree.nodes():
                if node.server == server and node.row is not None:
                    chain = tree.chain(node)
                    directories.append({"image": name, "node": node, "chain": chain[1:]})
        directories.sort(key=lambda d: d["node"].path)
        return super().get_context_data(directories=directories, **kwargs)
