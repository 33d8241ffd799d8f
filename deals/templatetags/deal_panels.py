"""`{% render_panel template extra %}`: include a coaching panel's template with
the provider's context pushed on top of the page's (so `csrf_token`, `request`
and `user` still work inside it). See `deals/panels.py`."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def render_panel(context, template_name, extra):
    if not template_name or extra is None:
        return ""
    panel_template = context.template.engine.get_template(template_name)
    with context.push(**extra):
        return panel_template.render(context)


@register.filter
def cell_for(column, opportunity_id):
    """The column's context for one deal (None when it has nothing to show)."""
    return column.cell_for(opportunity_id)
