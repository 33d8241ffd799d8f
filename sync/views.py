"""The browser CSV import: upload, dry run with per-row problems, then import."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .csv_import import MAX_BYTES, RESOURCES, CsvFileError, csv_import, importable_columns
from .selectors import csv_upload_get_for_user
from .services import csv_upload_create, csv_upload_import


def _columns() -> dict[str, list[str]]:
    return {resource: importable_columns(resource) for resource in RESOURCES}


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request):
    """GET: the form. POST: keep the file and show its dry run; nothing is written."""
    context = {"resources": RESOURCES, "columns": _columns(), "resource": request.POST.get("resource", "accounts")}
    if request.method == "GET":
        return render(request, "sync/import.html", context)
    upload_file = request.FILES.get("file")
    resource = request.POST.get("resource")
    errors = {}
    if resource not in RESOURCES:
        errors["resource"] = f"Choose one of: {', '.join(RESOURCES)}."
    if upload_file is None:
        errors["file"] = "Choose a CSV file."
    elif upload_file.size > MAX_BYTES:
        errors["file"] = f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it."
    if errors:
        return render(request, "sync/import.html", {**context, "errors": errors}, status=400)
    content = upload_file.read()
    try:
        upload = csv_upload_create(owner=request.user, resource=resource, filename=upload_file.name, content=content)
        report = csv_import(actor=request.user, resource=resource, content=upload.content, dry_run=True)
    except CsvFileError as error:
        return render(request, "sync/import.html", {**context, "errors": {"file": str(error)}}, status=400)
    return render(request, "sync/import.html", {**context, "upload": upload, "report": report})


@login_required
@require_POST
def import_run(request, upload_id: int):
    upload = csv_upload_get_for_user(user=request.user, upload_id=upload_id)
    try:
        report = csv_upload_import(upload=upload, actor=request.user)
    except CsvFileError as error:  # pragma: no cover - checked by the dry run
        raise Http404(str(error)) from None
    if report is None:
        return redirect("sync:import")
    return render(request, "sync/import.html", {
        "resources": RESOURCES, "columns": _columns(), "resource": upload.resource, "upload": upload,
        "report": report,
    })
