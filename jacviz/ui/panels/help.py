"""Help → "What am I looking at?": the screen explained, for someone who has never seen it."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

SHORTCUTS = [
    ("Enter", "apply the mapping in the mapping bar"),
    ("Up / Down", "earlier mappings (in the mapping bar)"),
    ("Ctrl+L", "go to the mapping bar"),
    ("Click", "pin the point under the mouse"),
    ("Delete", "remove the selected pin"),
    ("Ctrl+Shift+Delete", "remove all pins"),
    ("Drag / wheel", "pan / zoom a view"),
    ("Home", "show the mapping's whole domain again"),
    ("Ctrl+F", "let the right view follow the left one again"),
    ("[ and ]", "make the neighbourhood smaller / larger"),
    ("R", "region tool: drag a rectangle, or click a polygon and double-click"),
    ("Esc", "clear the region"),
    ("V", "show J·v and Jᵀ·g, and a loss's gradient"),
    ("Space", "play the morph from the identity to F"),
    ("Ctrl+E / Ctrl+Shift+C", "export an image / copy it to the clipboard"),
    ("Ctrl+S, Ctrl+Shift+S, Ctrl+O", "save, save as, open a session"),
    ("D", "read F as a vector field: arrows, streamlines, equilibria"),
    ("Ctrl+click", "a trajectory of the vector field from that point"),
    ("Shift- or Ctrl-click", "on a scalar field: gradient descent p ← p − η∇f from that point"),
    ("Ctrl+1 … Ctrl+8", "heatmap: automatic scale, det J, log₁₀|det J|, sign, linearization error, "
                        "Newton basins, a network's classes, one output"),
    ("Ctrl+Shift+O", "open a trained network (.onnx)"),
    ("F1", "this help"),
    ("Ctrl+Q", "quit"),
]

HELP_HTML = """
<h2>What am I looking at?</h2>

<p>You typed a mapping <b>F</b> that sends each point <i>p</i> = (x, y) of the plane to a new
point F(p) = (u, v). The <b>left view</b> is where p lives (the <i>domain</i>); the
<b>right view</b> is where F sends it (the <i>codomain</i>). Move the mouse on the left, and
everything follows.</p>

<h3>The grid</h3>
<p>The left view has a grid of straight lines: purple lines where x is constant, orange lines
where y is constant. The right view shows what F does to those same lines, in the same
colours. Where the right-hand grid is stretched, F stretches the plane; where it turns,
F turns it.</p>

<h3>Linearization: the small circle</h3>
<p>Around the mouse there is a small circle of radius h. On the right, the <b>black curve</b> is
its true image F(circle). The <b>dashed pink ellipse</b> is what the Jacobian predicts:
F(p + v) ≈ F(p) + J(p)·v. When h is small the two agree; that is what "F is
differentiable" means. Make h larger with <b>]</b> and watch the prediction fail.</p>
<p>The <b>arrows</b> are the columns of J: the orange one is J·e₁ (where a small step in x
goes), the purple one J·e₂ (a small step in y). The <b>blue axes</b> of the ellipse are the
principal stretches: J stretches one direction by σ₁ and another by σ₂ (the singular
values), and the dashed blue lines on the left show which directions those are.</p>

<h3>Area and orientation: the colours</h3>
<p>det J = σ₁·σ₂ (up to sign) is the factor by which F scales small areas: this is the
|det J| in the change-of-variables formula ∬ f(F(p)) |det J| dA. The left view is coloured by
det J: <b>red</b> where det J &gt; 0 (orientation kept: a small clockwise loop stays clockwise),
<b>blue</b> where det J &lt; 0 (orientation reversed: F flips the plane over, as a mirror does),
and white where det J is near 0. The colour bar gives the scale; its limits ignore the
extreme values near a pole so that the rest stays visible. The View menu switches to
log₁₀|det J| (green: area grows, purple: area shrinks), or to the sign alone.</p>

<h3>The critical curve</h3>
<p>The <b>thick black curve</b> on the left is where det J = 0: there F squashes a small
disc onto a segment, and the plane folds. Its image on the right is the fold (or caustic):
points on one side of it have more preimages than points on the other. Try the
<i>Whitney fold</i> and <i>Whitney cusp</i> presets.</p>

<h3>The readout</h3>
<p>The panel on the right shows p, F(p), J(p), det J, the trace, the eigenvalues and the
singular values at the mouse, one sentence saying what they mean, and the formulas of J and
det J, which you can copy as text or LaTeX.</p>

<h3>Backpropagation: the same matrix, read backwards</h3>
<p>In a neural network each layer is a mapping like this one. The forward pass pushes a small
step v through the layer as J·v (a <i>Jacobian-vector product</i>: what the arrows show).
Backpropagation pulls a gradient g of the loss back through the layer as Jᵀ·g (a
<i>vector-Jacobian product</i>): the chain rule, one layer at a time. Where det J is near 0 a
layer loses information and gradients in some direction vanish; in normalizing flows,
log|det J| (shown in the readout) is exactly the change in log-density. Try the
<i>tanh layer</i>, <i>Affine coupling layer</i> and <i>Two-layer network</i> presets.</p>

<h3>The laboratory</h3>
<ul>
<li><b>Region</b> (R): drag a rectangle R on the left. The panel compares
∬<sub>R</sub>|det J| dA with the area of F(R): equal when F is one-to-one on R (the
change-of-variables formula), larger when F folds R over itself, and it says how many times.</li>
<li><b>Vectors</b> (V): drag the green handle to choose a step v at p: the right view shows
J·v, where it goes. Drag the blue handle to choose a gradient g at F(p): the left view shows
Jᵀ·g, the gradient pulled back, which is one step of backpropagation. Type a loss L(u, v) to
see ∇L and ∇(L∘F) = Jᵀ∇L.</li>
<li><b>Morph</b> (the t slider, Space): p + t·(F(p) − p) from the identity (t = 0) to F
(t = 1). Watch where folds are born.</li>
<li><b>Preimages</b>: point anywhere on the right, and every point on the left that F sends
there is circled.</li>
<li><b>Linearization error</b> (Ctrl+5): where the dashed ellipse is a good prediction, and
where it is not.</li>
</ul>

<h3>Typing a mapping</h3>
<ul>
<li><b>Two components</b>: <code>x^2 - y^2, 2xy</code> (also in ( ) or [ ]).</li>
<li><b>A complex function</b>: <code>z^2</code>, <code>exp(z)</code>, <code>(z - 1)/(z + 1)</code>,
with z = x + iy; u and v are its real and imaginary parts.</li>
<li><b>Other variable names</b>: <code>(r, t) -&gt; r cos(t), r sin(t)</code>.</li>
<li><b>Products</b> need no *: <code>2x</code>, <code>3(x+1)</code>, <code>xy</code>,
<code>r cos(t)</code>. Powers: <code>^</code> or <code>**</code>.</li>
<li><b>Functions</b>: sin cos tan sec csc cot asin acos atan atan2 sinh cosh tanh asinh acosh
atanh exp log ln sqrt cbrt abs sign sigmoid; in complex form also re im conj arg.
Constants: pi, e.</li>
<li><b>Parameters</b>: any other name (a, k, sigma) gets a slider.</li>
<li><b>Chains</b>: <code>tanh(x + 2y), tanh(x - y); 2x - y, x + 3y</code> applies the first
stage, then the second.</li>
</ul>
"""


def shortcuts_html() -> str:
    rows = "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in SHORTCUTS)
    return f"<h3>Keyboard and mouse</h3><table cellpadding='3'>{rows}</table>"


class HelpDialog(QDialog):
    """A non-modal window with the explanation and the shortcuts."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("helpDialog")
        self.setWindowTitle("jacviz — What am I looking at?")
        self.resize(640, 720)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("helpText")
        self.browser.setOpenExternalLinks(False)
        self.browser.setHtml(HELP_HTML + shortcuts_html())
        layout.addWidget(self.browser)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
