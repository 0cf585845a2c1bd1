"""GANime for Krita: a docker that colorizes the line-art layer through ``ganime serve``.

Only the standard library and Krita's own PyQt5 are used: Krita's Python cannot load torch or
GANime's virtual environment, so the model runs in the service and this plugin talks to it
over loopback HTTP (``client``), reads and writes layers (``bridge``) and shows the docker
(``docker``), whose option controls (``controls``) follow the schema the service publishes
(``options``).
"""

try:
    from krita import DockWidgetFactory, DockWidgetFactoryBase, Krita
except ImportError:  # imported outside Krita (e.g. the client alone): nothing to register
    Krita = None

if Krita is not None:
    from .docker import GanimeDocker

    Krita.instance().addDockWidgetFactory(
        DockWidgetFactory("ganime_docker", DockWidgetFactoryBase.DockRight, GanimeDocker))
