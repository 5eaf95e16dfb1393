import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

import { Component, useRef } from "@odoo/owl";

/**
 * The business rule's template parameters ("{name}, {city}") as buttons: a click inserts the
 * parameter into the message field (options.target) at the cursor, or at its end.
 */
export class SmsTemplateParametersField extends Component {
    static template = "sms_campaign_rules.SmsTemplateParametersField";
    static props = { ...standardFieldProps, target: { type: String } };

    setup() {
        this.root = useRef("root");
    }

    get parameters() {
        return (this.props.record.data[this.props.name] || "").match(/\{[^{}]+\}/g) || [];
    }

    get textarea() {
        const form = this.root.el?.closest(".o_form_view") || document;
        return form.querySelector(`.o_field_widget[name='${this.props.target}'] textarea`);
    }

    async insert(parameter) {
        const textarea = this.textarea;
        const text = textarea ? textarea.value : this.props.record.data[this.props.target] || "";
        const start = textarea ? textarea.selectionStart : text.length;
        const end = textarea ? textarea.selectionEnd : text.length;
        await this.props.record.update({
            [this.props.target]: text.slice(0, start) + parameter + text.slice(end),
        });
        const updated = this.textarea;
        if (updated) {
            updated.focus();
            updated.setSelectionRange(start + parameter.length, start + parameter.length);
        }
    }
}

registry.category("fields").add("sms_template_parameters", {
    component: SmsTemplateParametersField,
    supportedTypes: ["char"],
    extractProps: ({ options }) => ({ target: options.target }),
});
