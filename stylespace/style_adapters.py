"""Multi-Head Routing style adapters on the base network, through peft's Poly tuner.

peft gives every adapted layer its own router; the method wants one routing vector per player
shared by all layers, so `attach_style_adapters` replaces the routers by one `StyleRouter`. That
router also accepts style vectors directly (a float tensor in place of task ids), which is how a
vector that belongs to no player (a stylometry query, a steered or mixed style) reaches the layers.

We wrap peft rather than fork it: the Poly layers, their LoRA skills and the pre-forward hooks that
hand `task_ids` to every layer are peft's own. Call `styled.base_model(..., task_ids=...)`;
`PeftModel.forward` drops `task_ids` for custom models.
"""

from __future__ import annotations

import torch
from peft import PeftModel, PolyConfig, get_peft_model
from peft.tuners.poly.layer import Linear as PolyLinear
from peft.tuners.poly.router import EPS, PolyRouter
from torch import nn
from torch.distributions.relaxed_bernoulli import RelaxedBernoulli

from stylespace.mhr import StyleConfig, resized_table, routing_weights
from stylespace.model import ADAPTED_LAYERS, MovePredictor

__all__ = ["StyleConfig", "attach_style_adapters", "shared_router", "skill_parameters"]

ADAPTER = "default"


class StyleRouter(PolyRouter):
    """One router for every adapted layer: `module_logits` row t is player t's style vector.

    `relaxed` keeps peft's relaxed-Bernoulli sampling of the skill weights in training (Poly's
    default); off, training routes exactly as inference and fitting do (sigmoid, no noise).
    """

    relaxed: bool = True

    def forward(self, task_ids: torch.Tensor, input_ids: torch.Tensor) -> torch.Tensor:
        if task_ids is None:
            raise ValueError("a style is needed: pass task_ids (player ids or style vectors)")
        if task_ids.is_floating_point():
            logits = task_ids.to(self.module_logits.device)
        else:
            logits = self.module_logits[task_ids.to(self.module_logits.device)]
        if self.training and self.relaxed:
            logits = logits.view(-1, self.n_splits, self.n_skills)
            weights = RelaxedBernoulli(temperature=1.0, logits=logits).rsample()
            return weights / (weights.sum(dim=-1, keepdim=True) + EPS)
        return routing_weights(logits, self.n_splits, self.n_skills)

    def resize(self, n_tasks: int) -> None:
        """Grow (or cut) the player table, keeping existing rows: enrolment without retraining."""
        self.module_logits = nn.Parameter(
            resized_table(self.module_logits.data, n_tasks),
            requires_grad=self.module_logits.requires_grad,
        )
        self.n_tasks = n_tasks


def poly_layers(styled: PeftModel) -> list[tuple[str, PolyLinear]]:
    return [(name, m) for name, m in styled.named_modules() if isinstance(m, PolyLinear)]


def attach_style_adapters(base: MovePredictor, style: StyleConfig, n_players: int) -> PeftModel:
    """Wrap the base network with MHR skills and one shared router; the base is frozen."""
    config = PolyConfig(
        poly_type="poly",
        r=style.rank,
        n_tasks=max(n_players, 1),
        n_skills=style.n_skills,
        n_splits=style.n_splits,
        target_modules=list(ADAPTED_LAYERS),
    )
    styled = get_peft_model(base, config)
    router = StyleRouter(config)
    router.reset()
    for _, layer in poly_layers(styled):
        layer.poly_router[ADAPTER] = router
    return styled


def shared_router(styled: PeftModel) -> StyleRouter:
    router = poly_layers(styled)[0][1].poly_router[ADAPTER]
    assert isinstance(router, StyleRouter)
    return router


def skill_parameters(styled: PeftModel) -> dict[str, torch.Tensor]:
    """The LoRA skills of every layer, by a stable name (no router: it is saved as the table)."""
    return {
        f"{name}.{kind}": getattr(layer, kind)[ADAPTER]
        for name, layer in poly_layers(styled)
        for kind in ("poly_lora_A", "poly_lora_B")
    }
