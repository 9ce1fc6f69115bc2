"""Input | reconstruction | difference for the selected image.

The difference heatmap uses one fixed colour scale taken from the training
images (see core.scoring.heat_scale), shown by a colour bar, so a normal image
looks calm and an unusual one lights up.

For a denoising model the panel shows four pictures instead: noisy input |
denoised output | clean original | residual (what is still wrong). Without a
clean original (a picture that is noisy already) the third stays empty and the
residual is what the model removed.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

HEAT_COLOURS = "inferno"
EMPTY_CAPTION = ("Select a picture in the gallery or a point in the latent plot: it appears here beside the "
                 "model's reconstruction and their difference.")


def _image_box(layout: pg.GraphicsLayout, title: str, col: int) -> tuple[pg.ViewBox, pg.ImageItem]:
    label = layout.addLabel(title, row=0, col=col, size="10pt")
    # A title's length must not decide its column's width: every picture gets the same.
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    box = layout.addViewBox(row=1, col=col, lockAspect=True, enableMouse=False, invertY=True)
    item = pg.ImageItem(axisOrder="row-major")
    box.addItem(item)
    return box, item


RECONSTRUCT_TITLES = ("Input", "Reconstruction", "Difference")
DENOISE_TITLES = ("Noisy input", "Denoised", "Clean original", "Residual")
DEFECT_TITLES = ("Input", "Reconstruction", "Difference", "Learned defect map")
# a tile model of a surface: its score also reads how unusual the picture's small patches are (core.texture);
# the fifth picture is where the learned map or the patches are unusual (core.unusual_maps.unusual_places)
SURFACE_TITLES = (*DEFECT_TITLES, "Unusual places")
LAYOUTS = {"reconstruct": RECONSTRUCT_TITLES, "denoise": DENOISE_TITLES, "defects": DEFECT_TITLES,
           "surface": SURFACE_TITLES}


class ComparePanel(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("w")
        self.view.ci.setSpacing(6)
        self.layout_kind = "reconstruct"
        self._build(RECONSTRUCT_TITLES)
        self.per_image = QCheckBox("Scale the difference to this image")
        self.per_image.setToolTip(
            "Off (default): one colour scale for every image, fixed from the training images,\n"
            "so normal images look calm and unusual ones light up.\n"
            "On: the scale stretches to this image's own largest difference, to see its pattern."
        )
        self.per_image.toggled.connect(self._redraw_difference)
        self.scale_note = QLabel()
        self.caption = QLabel(EMPTY_CAPTION)
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        options = QHBoxLayout()
        options.addWidget(self.per_image)
        options.addWidget(self.scale_note, 1)
        layout.addLayout(options)
        layout.addWidget(self.caption)
        self.shown_index: int | None = None
        self.heat_scale = 1.0
        self._difference: np.ndarray | None = None
        self._shape: tuple[int, ...] = ()

    def _build(self, titles: tuple[str, ...]) -> None:
        """(Re)create the picture boxes. The difference is the last one, or the one before the
        learned defect map (for a model trained on synthetic defects), which then carries the
        colour bar: the learned map is what that model's score reads. A surface's model adds its
        map of unusual places after it, on the same 0-to-1 scale."""
        self.view.ci.clear()
        self._boxes: list[pg.ViewBox] = []
        self._items: list[pg.ImageItem] = []
        self.titles = titles
        for col, title in enumerate(titles):
            box, item = _image_box(self.view.ci, title, col)
            self._boxes.append(box)
            self._items.append(item)
        surface = self.layout_kind == "surface"
        defects = surface or self.layout_kind == "defects"
        self._texture = self._items[-1] if surface else None
        self._learned = self._items[3] if defects else None
        self._heat = self._items[2] if defects else self._items[-1]
        for item in (self._heat, self._texture):
            if item is not None:
                item.setColorMap(pg.colormap.get(HEAT_COLOURS))
        label = {"denoise": "|output − clean|", "defects": "learned: chance of a defect",
                 "surface": "learned: chance of a defect"}.get(
            self.layout_kind, "|input − reconstruction|")
        self.colour_bar = pg.ColorBarItem(
            values=(0.0, 1.0), colorMap=pg.colormap.get(HEAT_COLOURS), interactive=False, width=12, label=label,
        )
        self.colour_bar.setImageItem(self._learned or self._heat)
        # The true defect, when the data has a mask: its outline over the map the pixel AUROC reads (a
        # surface's unusual places, else the learned map, else the difference).
        self.mask_outline = pg.IsocurveItem(level=0.5, pen=pg.mkPen((0, 230, 255), width=2))
        self.mask_outline.setParentItem(self._texture or self._learned or self._heat)
        self.view.ci.addItem(self.colour_bar, row=1, col=len(titles))
        self._shape = ()
        self._equal_columns()

    def _equal_columns(self) -> None:
        """Give every picture the same width: the grid would otherwise size columns by their contents."""
        n = len(self.titles)
        bar = self.colour_bar.boundingRect().width() or 60
        spare = self.view.width() - bar - 6 * (n + 2)
        width = max(40.0, spare / n)
        for col in range(n):
            self.view.ci.layout.setColumnFixedWidth(col, width)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._equal_columns()

    @property
    def denoising(self) -> bool:
        return self.layout_kind == "denoise"

    def set_layout(self, kind: str) -> None:
        """Three pictures for a reconstructing model; four for a denoising one (with the clean
        original) and for one trained on synthetic defects (with its learned defect map); five for
        a tile model of a surface (with its unusual places too)."""
        if kind == self.layout_kind:
            return
        self.layout_kind = kind
        self._build(LAYOUTS[kind])
        self.per_image.setChecked(kind == "denoise")  # residuals are small: show their pattern by default
        self._difference = None
        self._redraw_difference()

    def set_heat_scale(self, top: float) -> None:
        """Rounded to two significant digits, so the bar (and its axis) changes only when it matters."""
        rounded = float(f"{top:.2g}")
        if rounded != self.heat_scale:
            self.heat_scale = rounded
            self._redraw_difference()

    def difference_top(self) -> float:
        """The top of the colour scale in use: fixed from training, or this image's own maximum."""
        if self.per_image.isChecked() and self._difference is not None:
            return max(float(self._difference.max()), 1e-3)
        return self.heat_scale

    def _redraw_difference(self) -> None:
        top = self.difference_top()
        if self._learned is None:  # else the bar belongs to the learned map, 0 to 1
            self.colour_bar.setLevels(values=(0.0, top))
        if self._difference is not None:
            self._heat.setImage(self._difference, levels=(0.0, top), autoLevels=False)
        self.scale_note.setText(
            f"colours: 0 to {top:.2g}, this image's own range" if self.per_image.isChecked()
            else f"colours: 0 to {top:.2g}, fixed from the training images"
        )

    def show_images(
        self,
        index: int,
        input_: np.ndarray,
        recon: np.ndarray,
        difference: np.ndarray,
        clean: np.ndarray | None = None,
        learned: np.ndarray | None = None,
        texture: np.ndarray | None = None,
    ) -> None:
        """Float arrays in [0, 1]: (H, W, C) pictures and an (H, W) difference.

        ``clean`` is the third picture of the denoising layout (None leaves it empty);
        ``learned`` the (H, W) defect map of the defects layout, ``texture`` the (H, W) map of
        unusual places of the surface layout (None: not fitted yet, left empty).
        """
        for item, values in ((self._learned, learned), (self._texture, texture)):
            if item is None:
                continue
            if values is None:
                item.clear()
            else:
                item.setImage(np.ascontiguousarray(values, np.float32), levels=(0.0, 1.0), autoLevels=False)
        self.shown_index = index
        pictures = [input_, recon] + ([clean] if self.denoising else [])
        maps = (self._heat, self._learned, self._texture)
        plain = [item for item in self._items if all(item is not m for m in maps)]
        for item, pixels in zip(plain, pictures, strict=True):
            if pixels is None:
                item.clear()
                continue
            if pixels.shape[-1] == 1:
                pixels = pixels[..., 0]
            item.setImage(np.ascontiguousarray(pixels, np.float32), levels=(0.0, 1.0), autoLevels=False)
        if self.denoising:
            label = "|output − clean|" if clean is not None else "|input − output|: removed"
            self.colour_bar.getAxis("left").setLabel(label)
        self._difference = np.ascontiguousarray(difference, np.float32)
        self._redraw_difference()
        if difference.shape != self._shape:
            self._shape = difference.shape
            for box in self._boxes:
                box.autoRange(padding=0.0)

    def show_decoded(self, picture: np.ndarray) -> None:
        """A picture the decoder drew from a code no picture has: in the reconstruction's place, with
        nothing to compare it with."""
        self.shown_index = None
        self._difference = None
        for item in self._items:
            item.clear()
        pixels = picture[..., 0] if picture.shape[-1] == 1 else picture
        self._items[1].setImage(np.ascontiguousarray(pixels, np.float32), levels=(0.0, 1.0), autoLevels=False)
        self.show_mask(None)
        if picture.shape[:2] != self._shape:
            self._shape = picture.shape[:2]
            for box in self._boxes:
                box.autoRange(padding=0.0)

    def show_mask(self, mask: np.ndarray | None) -> None:
        """Outline a ground-truth defect mask (H, W) on the map the pixel AUROC reads, or clear it."""
        if mask is None:
            self.mask_outline.setData(None)
            self.mask_outline.setVisible(False)
        else:
            # pyqtgraph's isocurve takes (x, y) order; the image is row-major.
            self.mask_outline.setData(np.ascontiguousarray(mask.astype(np.float32).T))
            self.mask_outline.setVisible(True)

    def set_caption(self, html: str) -> None:
        self.caption.setText(html)

    def clear(self) -> None:
        self.shown_index = None
        self._difference = None
        for item in self._items:
            item.clear()
        self.set_caption(EMPTY_CAPTION)
