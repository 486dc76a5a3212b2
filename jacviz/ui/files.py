"""The File menu: export images, save and open sessions, recent files, and autosave.

Everything that touches the disk goes through here. Sessions are read by
:mod:`jacviz.core.persistence.session`, which checks every field and sends the mapping text through the
same parser as typed text; a file that fails the checks is reported and the current session
is left as it was. The autosave is written a moment after every change (and on quit), to a
temporary file that atomically replaces the previous one, so killing the process loses
nothing.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QLabel,
    QMessageBox,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
)

from jacviz.core.errors import JacvizError, MappingError
from jacviz.core.figure import DET_COLORMAPS, THEMES, FigureOptions
from jacviz.core.figure.spec import MAX_DPI, MAX_FONT_SCALE, MIN_FONT_SCALE
from jacviz.core.persistence import session as sessions
from jacviz.core.persistence import settings
from jacviz.ui import export
from jacviz.ui.guard import guarded

AUTOSAVE_DELAY_MS = 400
AUTOSAVE_MAX_WAIT_MS = 2000
FILE_FILTER = "jacviz sessions (*.jacviz)"
IMAGE_FILTER = ("PNG image (*.png);;JPEG image (*.jpg *.jpeg);;SVG vector drawing (*.svg);;"
                "PDF document (*.pdf)")


class ExportDialog(QDialog):
    """Choose what to export (figure or one view) and its size."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export image")
        self.window_ = window
        layout = QVBoxLayout(self)

        what = QGroupBox("What")
        wl = QVBoxLayout(what)
        self.view_group = QButtonGroup(self)
        for i, (key, label) in enumerate([
            ("both", "The whole figure: both views, the colour bar and the readout"),
            ("domain", "The left view (domain, with the colour bar)"),
            ("codomain", "The right view (codomain)"),
        ]):
            button = QRadioButton(label)
            button.setObjectName(f"exportView_{key}")
            button.setProperty("view", key)
            button.setChecked(i == 0)
            self.view_group.addButton(button, i)
            wl.addWidget(button)
        layout.addWidget(what)

        size = QGroupBox("Size")
        grid = QGridLayout(size)
        self.size_group = QButtonGroup(self)
        for i, (key, label) in enumerate([("1", "as on screen"), ("2", "2×"), ("4", "4×"),
                                          ("custom", "width × height:")]):
            button = QRadioButton(label)
            button.setObjectName(f"exportSize_{key}")
            button.setProperty("scale", key)
            button.setChecked(key == "2")
            self.size_group.addButton(button, i)
            grid.addWidget(button, i, 0)
        self.width_box = QSpinBox()
        self.width_box.setObjectName("exportWidth")
        self.height_box = QSpinBox()
        self.height_box.setObjectName("exportHeight")
        for box, value in ((self.width_box, 1920), (self.height_box, 1080)):
            box.setRange(16, export.MAX_PIXELS)
            box.setValue(value)
            box.setSuffix(" px")
        grid.addWidget(self.width_box, 3, 1)
        grid.addWidget(QLabel("×"), 3, 2)
        grid.addWidget(self.height_box, 3, 3)
        self.size_note = QLabel("")
        grid.addWidget(self.size_note, 4, 0, 1, 4)
        layout.addWidget(size)

        printing = QGroupBox("For print and slides")
        pl = QGridLayout(printing)
        self.transparent_box = QCheckBox("Transparent background")
        self.transparent_box.setObjectName("exportTransparent")
        self.readout_box = QCheckBox("Include the readout")
        self.readout_box.setObjectName("exportReadout")
        self.readout_box.setChecked(True)
        self.theme_box = QComboBox()
        self.theme_box.setObjectName("exportTheme")
        self.theme_box.addItems(THEMES)
        self.colormap_box = QComboBox()
        self.colormap_box.setObjectName("exportColormap")
        self.colormap_box.addItems(DET_COLORMAPS)
        self.dpi_box = QSpinBox()
        self.dpi_box.setObjectName("exportDpi")
        self.dpi_box.setRange(0, int(MAX_DPI))
        self.dpi_box.setSpecialValueText("none (pixels)")
        self.dpi_box.setSuffix(" dpi")
        self.font_box = QDoubleSpinBox()
        self.font_box.setObjectName("exportFontScale")
        self.font_box.setRange(MIN_FONT_SCALE, MAX_FONT_SCALE)
        self.font_box.setSingleStep(0.1)
        self.font_box.setValue(1.0)
        for row, (label, widget) in enumerate([
            ("", self.transparent_box), ("", self.readout_box), ("Theme", self.theme_box),
            ("Colour map", self.colormap_box), ("Physical size", self.dpi_box), ("Font scale", self.font_box),
        ]):
            pl.addWidget(QLabel(label), row, 0)
            pl.addWidget(widget, row, 1)
            if label:
                widget.setAccessibleName(label)
        layout.addWidget(printing)
        layout.addWidget(QLabel("PNG and JPEG are images; SVG and PDF keep curves and text as vectors."))

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.view_group.buttonToggled.connect(self._update_note)
        self.size_group.buttonToggled.connect(self._update_note)
        self._update_note()

    def view(self) -> str:
        return self.view_group.checkedButton().property("view")

    def size(self) -> tuple[int, int]:
        key = self.size_group.checkedButton().property("scale")
        if key == "custom":
            return self.width_box.value(), self.height_box.value()
        w = self.window_
        widget = {"both": w.splitter, "domain": w.domain, "codomain": w.codomain}[self.view()]
        scale = int(key)
        return widget.width() * scale, widget.height() * scale

    def options(self) -> FigureOptions:
        dpi = self.dpi_box.value()
        return FigureOptions(transparent=self.transparent_box.isChecked(), dpi=float(dpi) if dpi else None,
                             theme=self.theme_box.currentText(), readout=self.readout_box.isChecked(),
                             font_scale=self.font_box.value(), colormap=self.colormap_box.currentText())

    @guarded
    def _update_note(self, *_args) -> None:
        w, h = self.size()
        self.size_note.setText(f"The image will be {w} × {h} pixels.")


class FileActions(QObject):
    """Adds the file actions to a MainWindow and keeps its autosave up to date."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.path: Path | None = None
        self.autosave_enabled = True
        # A moment after the last change, and at least every AUTOSAVE_MAX_WAIT_MS during a long
        # burst of changes (a restarting delay alone never fired while a slider was dragged).
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_DELAY_MS)
        self._timer.timeout.connect(self.autosave_now)
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.setInterval(AUTOSAVE_MAX_WAIT_MS)
        self._deadline.timeout.connect(self.autosave_now)
        window.model.changed.connect(self._on_changed)

        menu = window.file_menu
        first = menu.actions()[0] if menu.actions() else None

        def action(text: str, shortcut, slot, name: str) -> QAction:
            a = QAction(text, window)
            a.setObjectName(name)
            if shortcut is not None:
                a.setShortcut(QKeySequence(shortcut))
            a.triggered.connect(slot)
            menu.insertAction(first, a)
            return a

        self.open_action = action("&Open session…", QKeySequence.StandardKey.Open, self.open_dialog,
                                  "openAction")
        self.recent_menu = menu.addMenu("Open &recent")
        self.recent_menu.setObjectName("recentMenu")
        menu.insertMenu(first, self.recent_menu)
        self.restore_menu = menu.addMenu("Restore an autosaved session")
        self.restore_menu.setObjectName("restoreMenu")
        self.restore_menu.setToolTipsVisible(True)
        menu.insertMenu(first, self.restore_menu)
        self.restore_menu.aboutToShow.connect(self.refresh_restore)
        self.refresh_restore()
        self.save_action = action("&Save session", QKeySequence.StandardKey.Save, self.save, "saveAction")
        self.save_as_action = action("Save session &as…", QKeySequence("Ctrl+Shift+S"), self.save_as_dialog,
                                     "saveAsAction")
        menu.insertSeparator(first)
        self.export_action = action("&Export image…", QKeySequence("Ctrl+E"), self.export_dialog,
                                    "exportAction")
        self.copy_action = action("&Copy image to clipboard", QKeySequence("Ctrl+Shift+C"),
                                  self.copy_image, "copyImageAction")
        menu.insertSeparator(first)
        self.refresh_recent()

    # -- autosave
    @guarded
    def _on_changed(self, _field: str) -> None:
        """Something the user would miss changed: autosave shortly (one write per burst)."""
        if self.autosave_enabled:
            self._timer.start()
            if not self._deadline.isActive():
                self._deadline.start()

    @property
    def autosave_pending(self) -> bool:
        return self._timer.isActive() or self._deadline.isActive()

    @guarded
    def autosave_now(self) -> None:
        self._timer.stop()
        self._deadline.stop()
        if not self.autosave_enabled:
            return
        try:
            current = self.window.current_session()
            if current is not None:
                # Save what can be saved: one field the reader would refuse is cut or reset,
                # never the reason the whole state goes unsaved.
                current, notes = sessions.savable(current)
                settings.write_autosave(current)
                if notes:
                    self.window.show_message("autosave: " + "; ".join(notes), error=True)
        except (OSError, JacvizError) as err:
            self.window.show_message(f"could not autosave: {err}", error=True)

    def refresh_restore(self) -> None:
        """List the autosaves of instances that quit or were killed (the newest is restored at start)."""
        self.restore_menu.clear()
        orphans = settings.orphaned_autosaves() if self.autosave_enabled else []
        for path in orphans:
            try:
                label = sessions.load(path).mapping[:60]
            except JacvizError:
                continue
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime))
            a = self.restore_menu.addAction(f"{label}   ({when})")
            a.setToolTip(str(path))
            a.triggered.connect(lambda _=False, p=path: self.restore(p))
        self.restore_menu.setEnabled(bool(self.restore_menu.actions()))

    @guarded
    def restore(self, path: Path) -> None:
        session = settings.read_autosave(path)
        if session is None:
            self.window.show_message(f"could not restore {path.name}", error=True)
            return
        self.window.apply_session(
            session, on_applied=lambda: self.window.show_message("Restored an autosaved session"))

    # -- sessions
    @guarded
    def open_dialog(self) -> None:
        start = str(self.path.parent) if self.path else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self.window, "Open session", start, FILE_FILTER,
                                              options=QFileDialog.Option.DontUseNativeDialog)
        if path:
            self.open_path(Path(path))

    @guarded
    def open_path(self, path: Path) -> bool:
        """Open a session file; on any problem say so and leave the current session alone."""
        try:
            loaded = sessions.load(path)
        except JacvizError as err:
            self._refuse(path, str(err))
            return False
        path = Path(path)

        def opened() -> None:
            self.path = path
            self._remember(path)
            self.window.show_message(f"Opened {path.name}")

        # All or nothing: the session's mapping is prepared first; only if that works does
        # anything switch (the model, the views, the file Ctrl+S writes to).
        self.window.apply_session(loaded, on_applied=opened,
                                  on_failed=lambda message: self._refuse(path, message))
        return True

    def _refuse(self, path: Path, message: str) -> None:
        self.window.show_message(f"could not open {path.name}: {message}", error=True)
        if self.window.isVisible():
            # open() rather than the blocking dialog loop: the message is window-modal but
            # nothing waits on it
            box = QMessageBox(QMessageBox.Icon.Warning, "jacviz", f"Could not open {path.name}:\n\n{message}",
                              QMessageBox.StandardButton.Ok, self.window)
            box.setObjectName("openErrorBox")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    @guarded
    def save(self) -> bool:
        if self.path is None:
            return self.save_as_dialog()
        return self.save_to(self.path)

    @guarded
    def save_as_dialog(self) -> bool:
        start = str(self.path) if self.path else str(Path.home() / f"untitled{sessions.SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save session", start, FILE_FILTER,
                                              options=QFileDialog.Option.DontUseNativeDialog)
        if not path:
            return False
        path = Path(path)
        if path.suffix != sessions.SUFFIX:
            path = path.with_name(path.name + sessions.SUFFIX)
        return self.save_to(path)

    def save_to(self, path: Path) -> bool:
        try:
            current = self.window.current_session()
            if current is None:
                raise MappingError("there is no mapping to save yet")
            sessions.save(current, path)
        except (OSError, JacvizError) as err:
            self.window.show_message(f"could not save {Path(path).name}: {err}", error=True)
            return False
        self.path = Path(path)
        self._remember(self.path)
        self.window.show_message(f"Saved {self.path.name}")
        return True

    def _remember(self, path: Path) -> None:
        try:
            settings.add_recent(path)
        except OSError:
            pass  # a read-only config folder must not stop the user
        self.refresh_recent()
        self.window.setWindowFilePath(str(path))

    def refresh_recent(self) -> None:
        self.recent_menu.clear()
        try:
            files = settings.recent_files()
        except OSError:
            files = []
        for path in files:
            a = self.recent_menu.addAction(path.name)
            a.setToolTip(str(path))
            a.triggered.connect(lambda _=False, p=path: self.open_path(p))
        self.recent_menu.setEnabled(bool(files))
        self.recent_menu.setToolTipsVisible(True)

    # -- images
    @guarded
    def export_dialog(self) -> bool:
        dialog = ExportDialog(self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:  # safe: Qt's dialog loop
            return False
        view, size, options = dialog.view(), dialog.size(), dialog.options()
        start = str((self.path.parent if self.path else Path.home()) / "jacviz.png")
        path, _ = QFileDialog.getSaveFileName(self.window, "Export image", start, IMAGE_FILTER,
                                              options=QFileDialog.Option.DontUseNativeDialog)
        if not path:
            return False
        path = Path(path)
        if path.suffix.lower() not in export.FORMATS:
            path = path.with_name(path.name + ".png")
        return self.export_to(path, view, size, options)

    def export_to(self, path: Path, view: str = "both", size: tuple[int, int] | None = None,
                  options=None) -> bool:
        try:
            export.export(self.window, path, view=view, size=size, options=options)
        except (OSError, JacvizError) as err:
            self.window.show_message(f"could not export: {err}", error=True)
            return False
        self.window.show_message(f"Exported {path.name}")
        return True

    @guarded
    def copy_image(self) -> None:
        image = export.copy_to_clipboard(self.window)
        self.window.show_message(f"Copied a {image.width()} × {image.height()} image to the clipboard")
