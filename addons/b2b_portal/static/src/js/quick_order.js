/** @odoo-module **/

import publicWidget from "@web/legacy/js/public/public_widget";
import { rpc } from "@web/core/network/rpc";
import { _t } from "@web/core/l10n/translation";

/**
 * The quick order page (/my/quick-order): a pad of rows, a paste area and a
 * file upload, all giving a preview (resolved on the server), whose valid
 * rows (and the backorder rows the buyer keeps) go to the cart.
 */
publicWidget.registry.B2bQuickOrder = publicWidget.Widget.extend({
    selector: ".o_b2b_quick_order",
    events: {
        "click .o_b2b_qo_add_row": "_onAddRow",
        "click .o_b2b_qo_preview_pad": "_onPreviewPad",
        "click .o_b2b_qo_preview_paste": "_onPreviewPaste",
        "change .o_b2b_qo_file": "_onFileChange",
        "input .o_b2b_qo_reference": "_onReferenceInput",
        "click .o_b2b_qo_add_to_cart": "_onAddToCart",
    },

    start() {
        this.rows = [];
        this.lookupTimer = null;
        this.lookupTerm = "";
        return this._super(...arguments);
    },

    //--------------------------------------------------------------------------
    // Helpers
    //--------------------------------------------------------------------------

    _el(selector) {
        return this.el.querySelector(selector);
    },

    _showMessage(message) {
        const box = this._el(".o_b2b_qo_message");
        box.textContent = message || "";
        box.classList.toggle("d-none", !message);
    },

    _setBusy(busy) {
        this.el.classList.toggle("o_b2b_qo_busy", busy);
        for (const button of this.el.querySelectorAll("button")) {
            button.disabled = busy;
        }
        if (!busy) {
            this._updateAddButton();
        }
    },

    _cell(text, className) {
        const td = document.createElement("td");
        if (className) {
            td.className = className;
        }
        td.textContent = text === undefined || text === null ? "" : String(text);
        return td;
    },

    _availability(row) {
        if (row.available === null || row.available === undefined) {
            return row.lead_time
                ? _t("Delivered in about %(days)s days", { days: row.lead_time })
                : _t("Available");
        }
        if (!row.lead_time) {
            return _t("%(quantity)s in stock", { quantity: row.available });
        }
        return _t("%(quantity)s in stock, lead time %(days)s days", {
            quantity: row.available,
            days: row.lead_time,
        });
    },

    _renderRows(rows) {
        this.rows = rows;
        const tbody = this._el(".o_b2b_qo_rows");
        tbody.replaceChildren();
        let ok = 0;
        let errors = 0;
        let backorders = 0;
        for (const row of rows) {
            const tr = document.createElement("tr");
            tr.className = `o_b2b_qo_row o_b2b_qo_row_${row.status}`;
            tr.dataset.status = row.status;
            tr.dataset.number = row.number;
            tr.dataset.errorCode = row.error_code || "";
            tr.appendChild(this._cell(row.number));
            tr.appendChild(this._cell(row.reference || row.raw, "o_b2b_qo_row_reference"));
            if (row.status === "error" && !row.product_id) {
                const td = this._cell(row.error, "o_b2b_qo_error text-danger");
                td.colSpan = 5;
                tr.appendChild(td);
            } else {
                tr.appendChild(this._cell(row.name, "o_b2b_qo_row_name"));
                tr.appendChild(this._cell(row.quantity, "text-end o_b2b_qo_row_quantity"));
                tr.appendChild(this._cell(row.price_unit_text, "text-end o_b2b_qo_row_price"));
                tr.appendChild(this._cell(row.subtotal_text, "text-end o_b2b_qo_row_subtotal"));
                const availability = this._cell(
                    this._availability(row),
                    "o_b2b_qo_row_availability"
                );
                if (row.error) {
                    const error = document.createElement("div");
                    error.className =
                        row.status === "error"
                            ? "o_b2b_qo_error text-danger"
                            : "o_b2b_qo_warning text-warning";
                    error.textContent = row.error;
                    availability.appendChild(error);
                }
                tr.appendChild(availability);
            }
            const keepCell = document.createElement("td");
            if (row.status === "backorder") {
                const keep = document.createElement("input");
                keep.type = "checkbox";
                keep.name = "keep";
                keep.className = "form-check-input o_b2b_qo_keep";
                keep.title = _t("Keep this row: the missing quantity is delivered later");
                keep.addEventListener("change", () => this._updateAddButton());
                keepCell.appendChild(keep);
            }
            tr.appendChild(keepCell);
            tbody.appendChild(tr);
            if (row.status === "ok") {
                ok++;
            } else if (row.status === "backorder") {
                backorders++;
            } else {
                errors++;
            }
        }
        const summary = this._el(".o_b2b_qo_summary");
        summary.dataset.ok = ok;
        summary.dataset.errors = errors;
        summary.dataset.backorders = backorders;
        summary.textContent = _t(
            "%(ok)s valid rows, %(backorders)s to deliver later, %(errors)s in error.",
            { ok, backorders, errors }
        );
        this._el(".o_b2b_qo_preview").classList.toggle("d-none", !rows.length);
        this._el(".o_b2b_qo_result").classList.add("d-none");
        this._updateAddButton();
    },

    _rowsToAdd() {
        const kept = new Set(
            [...this.el.querySelectorAll(".o_b2b_qo_keep:checked")].map((input) =>
                Number(input.closest("tr").dataset.number)
            )
        );
        return this.rows
            .filter(
                (row) => row.status === "ok" || (row.status === "backorder" && kept.has(row.number))
            )
            .map((row) => ({
                number: row.number,
                reference: row.reference,
                quantity: row.quantity,
                keep: row.status === "backorder",
            }));
    },

    _updateAddButton() {
        const button = this._el(".o_b2b_qo_add_to_cart");
        button.disabled = !this._rowsToAdd().length;
    },

    async _preview(text) {
        this._showMessage("");
        if (!text.trim()) {
            this._showMessage(_t("Nothing to preview: give at least one reference."));
            return;
        }
        this._setBusy(true);
        try {
            const result = await rpc("/b2b/quick-order/preview", { text });
            this._showMessage(result.error);
            this._renderRows(result.rows || []);
        } catch (error) {
            this._showMessage(error.data?.message || error.message || String(error));
        } finally {
            this._setBusy(false);
        }
    },

    //--------------------------------------------------------------------------
    // Handlers
    //--------------------------------------------------------------------------

    _onAddRow() {
        const tbody = this._el(".o_b2b_qo_pad_rows");
        const row = tbody.querySelector(".o_b2b_qo_pad_row").cloneNode(true);
        row.querySelector(".o_b2b_qo_reference").value = "";
        row.querySelector(".o_b2b_qo_quantity").value = "1";
        tbody.appendChild(row);
        row.querySelector(".o_b2b_qo_reference").focus();
    },

    _onPreviewPad() {
        const lines = [];
        for (const row of this.el.querySelectorAll(".o_b2b_qo_pad_row")) {
            const reference = row.querySelector(".o_b2b_qo_reference").value.trim();
            const quantity = row.querySelector(".o_b2b_qo_quantity").value.trim();
            if (reference) {
                lines.push(`${reference}\t${quantity || "1"}`);
            }
        }
        return this._preview(lines.join("\n"));
    },

    _onPreviewPaste() {
        return this._preview(this._el(".o_b2b_qo_paste").value);
    },

    async _onFileChange(ev) {
        const input = ev.currentTarget;
        const file = input.files && input.files[0];
        if (!file) {
            return;
        }
        this._showMessage("");
        const maxBytes = Number(this.el.dataset.maxUploadMb || 2) * 1024 * 1024;
        if (file.size > maxBytes) {
            this._showMessage(
                _t("The file is too large: at most %(size)s MB.", {
                    size: this.el.dataset.maxUploadMb,
                })
            );
            input.value = "";
            return;
        }
        const data = new FormData();
        data.append("file", file);
        data.append("csrf_token", odoo.csrf_token);
        this._setBusy(true);
        try {
            const response = await fetch("/b2b/quick-order/upload", {
                method: "POST",
                body: data,
                credentials: "same-origin",
            });
            let result = {};
            try {
                result = await response.json();
            } catch {
                result = { rows: [], error: _t("The file could not be sent.") };
            }
            this._showMessage(result.error);
            this._renderRows(result.rows || []);
        } catch (error) {
            this._showMessage(error.message || String(error));
        } finally {
            input.value = "";
            this._setBusy(false);
        }
    },

    _onReferenceInput(ev) {
        const term = ev.currentTarget.value.trim();
        clearTimeout(this.lookupTimer);
        if (term.length < 2 || term === this.lookupTerm) {
            return;
        }
        this.lookupTimer = setTimeout(async () => {
            this.lookupTerm = term;
            let suggestions = [];
            try {
                suggestions = await rpc("/b2b/quick-order/lookup", { term });
            } catch {
                return;
            }
            const datalist = this._el(".o_b2b_qo_suggestions");
            datalist.replaceChildren();
            for (const suggestion of suggestions) {
                if (!suggestion.default_code) {
                    continue;
                }
                const option = document.createElement("option");
                option.value = suggestion.default_code;
                option.label = `${suggestion.name} (${suggestion.price_unit_text})`;
                datalist.appendChild(option);
            }
        }, 250);
    },

    async _onAddToCart() {
        const rows = this._rowsToAdd();
        if (!rows.length) {
            return;
        }
        this._showMessage("");
        this._setBusy(true);
        try {
            const result = await rpc("/b2b/quick-order/add", { rows });
            const box = this._el(".o_b2b_qo_result");
            box.replaceChildren();
            const text = document.createElement("div");
            text.className = "o_b2b_qo_result_text";
            text.dataset.added = result.added.length;
            text.dataset.refused = result.refused.length;
            text.textContent = _t(
                "%(added)s rows added to your cart (%(lines)s lines in the cart).",
                { added: result.added.length, lines: result.cart_count }
            );
            box.appendChild(text);
            for (const refused of result.refused) {
                const line = document.createElement("div");
                line.className = "o_b2b_qo_refused text-danger";
                line.textContent = _t("Row %(number)s (%(reference)s): %(reason)s", {
                    number: refused.number,
                    reference: refused.reference,
                    reason: refused.reason,
                });
                box.appendChild(line);
            }
            const link = document.createElement("a");
            link.href = result.cart_url;
            link.className = "btn btn-primary mt-2 o_b2b_qo_cart_link";
            link.textContent = _t("View my cart");
            box.appendChild(link);
            box.classList.remove("d-none");
            const cartQuantity = document.querySelectorAll(".my_cart_quantity");
            for (const badge of cartQuantity) {
                badge.textContent = result.cart_quantity;
                badge.classList.remove("d-none");
            }
        } catch (error) {
            this._showMessage(error.data?.message || error.message || String(error));
        } finally {
            this._setBusy(false);
        }
    },
});

export default publicWidget.registry.B2bQuickOrder;
